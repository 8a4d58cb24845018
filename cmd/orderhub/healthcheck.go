package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck is `orderhub healthcheck`: GET /healthz of the orderhub
// serving on this host, exit 0 on 200 and 1 otherwise. It is the
// container image's HEALTHCHECK (the image has no shell and no curl), and
// reads ORDERHUB_ADDR and ORDERHUB_TLS_CERT as serve does, so that it
// finds the server the same environment started.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var addr, tlsCert string
	var timeout time.Duration
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: orderhub healthcheck [--addr HOST:PORT] [--tls-cert FILE]

GETs /healthz of the orderhub listening on --addr (an unspecified host
such as ":8080" is this host's loopback) and exits 0 when it answers 200.
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "the address orderhub serve listens on (as serve's --addr)")
	fs.StringVar(&tlsCert, "tls-cert", "", "serve's TLS certificate: when set, the check speaks HTTPS")
	fs.DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	if err := applyEnv(fs, "addr", "tls-cert"); err != nil {
		fmt.Fprintln(stderr, "orderhub healthcheck:", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	url, err := healthURL(addr, tlsCert != "")
	if err != nil {
		fmt.Fprintln(stderr, "orderhub healthcheck:", err)
		return 2
	}
	// The probe goes to this host's own listener, whose certificate names
	// the public host rather than the loopback address, and it sends no
	// credential: there is nothing for verification to protect.
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}} // #nosec G402 -- loopback liveness probe
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub healthcheck:", err)
		return 2
	}
	res, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub healthcheck:", err)
		return 1
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "orderhub healthcheck: %s answered %d\n", url, res.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// healthURL is the /healthz URL of a listen address: an unspecified host
// (":8080", "0.0.0.0:8080", "[::]:8080") is the loopback of its family.
func healthURL(addr string, https bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %v", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/healthz", nil
}
