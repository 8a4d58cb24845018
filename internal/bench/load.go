package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request a phase sends; Path holds the query too.
type Request struct {
	Method      string
	Path        string
	ContentType string
	Header      [][2]string
	Body        []byte
}

// Target is what a phase sends and how it judges the answers.
type Target struct {
	// Next returns the i-th request (i counts from 0 across every
	// connection); false means there is nothing left to send (an order
	// pool is used up), which ends the phase early.
	Next func(i int64) (Request, bool)
	// Check judges an answer; nil accepts any 2xx.
	Check func(status int, body []byte) error
}

// Result is what one closed-loop run measured.
type Result struct {
	// Requests completed inside the window (Errors included).
	Requests uint64
	Errors   uint64
	// Unfinished were still in flight when the window closed: cancelled,
	// counted neither as requests nor as errors (as wrk does).
	Unfinished uint64
	// Exhausted: the target ran out of requests before the window closed.
	Exhausted bool
	Elapsed   time.Duration
	Hist      Histogram
	// ErrorSamples are the first few errors, for the report.
	ErrorSamples []string
}

// RPS is completed requests per second.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Client sends every request of a run: one http.Client whose Transport
// keeps up to conns keep-alive connections per host (orderhub and the
// ceiling are two hosts, each getting the same number).
type Client struct {
	hc    *http.Client
	conns int
}

// NewClient returns a client for conns connections to loopback.
func NewClient(conns int) *Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4 * conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	// Timeout bounds every request that no phase deadline cancels
	// (setup, the open-loop sender).
	return &Client{hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}, conns: conns}
}

// CloseIdle drops the idle connections (between phases, so that each
// phase starts from the same state).
func (c *Client) CloseIdle() { c.hc.CloseIdleConnections() }

// Do sends r to base and returns the status and the body, read into buf.
func (c *Client) Do(ctx context.Context, base string, r Request, buf *bytes.Buffer) (int, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+r.Path, body)
	if err != nil {
		return 0, err
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(res.Body)
	return res.StatusCode, err
}

// maxErrorSamples bounds the errors kept for the report.
const maxErrorSamples = 5

func checkAnswer(t Target, status int, body []byte) error {
	if t.Check != nil {
		return t.Check(status, body)
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("HTTP %d: %s", status, snippet(body))
	}
	return nil
}

func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Closed runs a closed loop: conns goroutines, each sending its next
// request as soon as the previous one is answered, for d (or until the
// target runs out). Requests still in flight when d ends are cancelled and
// reported as Unfinished.
func (c *Client) Closed(ctx context.Context, base string, t Target, conns int, d time.Duration) *Result {
	start := time.Now()
	deadline := start.Add(d)
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var seq atomic.Int64
	var mu sync.Mutex
	res := &Result{}
	var lastDone time.Time
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h Histogram
			var n, errs, unfinished uint64
			var samples []string
			exhausted := false
			var buf bytes.Buffer
			for time.Now().Before(deadline) && wctx.Err() == nil {
				r, ok := t.Next(seq.Add(1) - 1)
				if !ok {
					exhausted = true
					break
				}
				t0 := time.Now()
				status, err := c.Do(wctx, base, r, &buf)
				if wctx.Err() != nil {
					unfinished++
					break
				}
				h.Record(time.Since(t0))
				n++
				if err == nil {
					err = checkAnswer(t, status, buf.Bytes())
				}
				if err != nil {
					errs++
					if len(samples) < maxErrorSamples {
						samples = append(samples, fmt.Sprintf("%s %s: %v", r.Method, r.Path, err))
					}
				}
			}
			done := time.Now()
			mu.Lock()
			defer mu.Unlock()
			res.Hist.Merge(&h)
			res.Requests += n
			res.Errors += errs
			res.Unfinished += unfinished
			res.Exhausted = res.Exhausted || exhausted
			if done.After(lastDone) {
				lastDone = done
			}
			for _, s := range samples {
				if len(res.ErrorSamples) < maxErrorSamples {
					res.ErrorSamples = append(res.ErrorSamples, s)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = d
	if res.Exhausted && lastDone.Before(deadline) {
		res.Elapsed = lastDone.Sub(start)
	}
	if ctx.Err() != nil {
		res.ErrorSamples = append(res.ErrorSamples, "interrupted: "+ctx.Err().Error())
		res.Errors++
	}
	return res
}

// Answer is one answer of the open-loop sender.
type Answer struct {
	Index    int64
	Status   int
	Body     []byte
	Err      error
	Sent     time.Time
	Answered time.Time
}

// OpenResult is what an open-loop run measured.
type OpenResult struct {
	Planned uint64 // rate × duration
	Sent    uint64
	// Missed ticks found every connection busy and sent nothing (the
	// server fell behind the rate).
	Missed uint64
	Errors uint64
	Hist   Histogram // answer latency of what was sent
	// ErrorSamples are the first few errors.
	ErrorSamples []string
	Elapsed      time.Duration
}

// Open sends at a steady rate (requests per second) for d, at most conns
// in flight; each answer is handed to onAnswer (from the sending
// goroutine). It returns once every request sent has been answered.
func (c *Client) Open(ctx context.Context, base string, t Target, rate float64, conns int, d time.Duration, onAnswer func(Answer)) *OpenResult {
	res := &OpenResult{Planned: uint64(rate * d.Seconds())}
	if res.Planned == 0 {
		return res
	}
	interval := time.Duration(float64(time.Second) / rate)
	slots := make(chan struct{}, conns)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for k := uint64(0); k < res.Planned; k++ {
		at := start.Add(time.Duration(k) * interval)
		if wait := time.Until(at); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			res.Missed++
			continue
		}
		r, ok := t.Next(int64(k))
		if !ok {
			<-slots
			break
		}
		res.Sent++
		wg.Add(1)
		go func(k int64, r Request) {
			defer wg.Done()
			defer func() { <-slots }()
			var buf bytes.Buffer
			t0 := time.Now()
			status, err := c.Do(ctx, base, r, &buf)
			t1 := time.Now()
			if err == nil {
				err = checkAnswer(t, status, buf.Bytes())
			}
			mu.Lock()
			res.Hist.Record(t1.Sub(t0))
			if err != nil {
				res.Errors++
				if len(res.ErrorSamples) < maxErrorSamples {
					res.ErrorSamples = append(res.ErrorSamples, fmt.Sprintf("%s %s: %v", r.Method, r.Path, err))
				}
			}
			mu.Unlock()
			if onAnswer != nil {
				onAnswer(Answer{Index: k, Status: status, Body: buf.Bytes(), Err: err, Sent: t0, Answered: t1})
			}
		}(int64(k), r)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		res.Errors++
		res.ErrorSamples = append(res.ErrorSamples, "interrupted: "+ctx.Err().Error())
	}
	return res
}
