package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The ceiling is what a Go HTTP server on this machine can do with no work
// beyond the protocol itself: it reads the request, decodes its body as
// JSON with encoding/json (the multipart field "data" for multipart
// bodies, as Junglebook sends them) into a map of raw top-level values —
// the whole document is scanned and validated, nothing below the top
// level is built, so it is an upper bound for any real decoding — and
// encodes a ~300-byte JSON answer with status 200, whatever the path.
//
// It runs as a second child process of the same binary (orderhub bench
// ceiling), not inside the bench: orderhub is a separate process competing
// with the load generator for the cores, and so is the ceiling, so the
// ratio compares two servers under the same conditions (own runtime and
// GC, same scheduler contention with the client, same loopback sockets).
// In process, the ceiling would share the client's runtime and look
// better or worse for reasons that have nothing to do with serving.

// ceilingAnswer is the ~300-byte answer (an order summary).
type ceilingAnswer struct {
	ID        int64          `json:"id"`
	Number    string         `json:"number"`
	Status    string         `json:"status"`
	Channel   string         `json:"channel"`
	Currency  string         `json:"currency"`
	Total     int64          `json:"total"`
	CreatedAt string         `json:"created_at"`
	Lines     []ceilingLine  `json:"lines"`
	Decoded   int            `json:"decoded_fields"`
	Extra     map[string]any `json:"extra,omitempty"`
}

type ceilingLine struct {
	ProductID int64  `json:"product_id"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
}

// CeilingHandler is the ceiling server's handler.
func CeilingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]json.RawMessage
		var raw []byte
		var err error
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "multipart/form-data" {
			if err = r.ParseMultipartForm(1 << 20); err == nil {
				raw = []byte(r.FormValue("data"))
			}
		} else {
			raw, err = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fields := 0
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &doc); err != nil {
				http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
				return
			}
			fields = len(doc)
		}
		ans := ceilingAnswer{ID: 123456, Number: "FR9TL74P", Status: "new", Channel: "tableorder", Currency: "KRW",
			Total: 29500, CreatedAt: time.Now().UTC().Format(time.RFC3339), Decoded: fields,
			Lines: []ceilingLine{{ProductID: 1, Name: "Bulgogi rice bowl", Quantity: 2, UnitPrice: 10000},
				{ProductID: 2, Name: "Kimchi stew", Quantity: 1, UnitPrice: 9500}}}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ans)
	})
}

// ServeCeiling is `orderhub bench ceiling --addr A`: the ceiling server,
// until SIGINT or SIGTERM.
func ServeCeiling(ctx context.Context, addr string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub bench ceiling:", err)
		return 1
	}
	// The same server settings as orderhub serve.
	srv := &http.Server{
		Handler:           ceilingMux(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(stderr, "ceiling: ", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "orderhub bench ceiling:", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return 1
	}
	return 0
}

// ceilingMux answers /readyz and /healthz like orderhub, everything else
// with the ceiling handler.
func ceilingMux() http.Handler {
	h := CeilingHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" || r.URL.Path == "/healthz" {
			w.Write([]byte("ok\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
