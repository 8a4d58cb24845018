package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestEveryServeFlagHasVariable sets every flag of serve through its
// ORDERHUB_ variable alone, then checks that a flag on the command line
// wins over its variable.
func TestEveryServeFlagHasVariable(t *testing.T) {
	var probe config
	want := map[string]string{}
	serveFlags(&probe, io.Discard).VisitAll(func(f *flag.Flag) {
		v := "from-env-" + f.Name
		switch fmt.Sprintf("%T", f.Value) {
		case "*flag.boolValue":
			v = "true"
		case "*flag.durationValue":
			v = "7s"
		case "*flag.intValue":
			v = "3"
		case "*flag.float64Value":
			v = "2.5"
		}
		if f.Name == "log-format" {
			v = "json"
		}
		want[f.Name] = v
		t.Setenv(envName(f.Name), v)
	})
	if len(want) < 16 {
		t.Fatalf("serve has %d flags, want at least 16", len(want))
	}
	var c config
	fs := serveFlags(&c, io.Discard)
	if err := parse(fs, nil, &c); err != nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if got := f.Value.String(); got != want[f.Name] {
			t.Errorf("--%s from %s = %q, want %q", f.Name, envName(f.Name), got, want[f.Name])
		}
	})
	if c.Addr != "from-env-addr" || c.DatabaseURL != "from-env-database-url" || c.Delivery.Workers != 3 || !c.Demo {
		t.Errorf("config: %+v", c)
	}

	c = config{}
	fs = serveFlags(&c, io.Discard)
	if err := parse(fs, []string{"--addr", "127.0.0.1:1", "--shutdown-timeout", "2s"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" || c.ShutdownTimeout.String() != "2s" || c.LogFormat != "json" {
		t.Errorf("the command line must win over the variables: %+v", c)
	}
}

// TestBadVariableIsAnError: a variable its flag refuses stops the command
// with a message naming it, rather than silently using the default (an
// unparsable ORDERHUB_SHUTDOWN_TIMEOUT used to become 0: no grace at all).
func TestBadVariableIsAnError(t *testing.T) {
	for _, c := range []struct{ cmd, name, value string }{
		{"serve", "ORDERHUB_SHUTDOWN_TIMEOUT", "15"},
		{"serve", "ORDERHUB_DELIVERY_WORKERS", "eight"},
		{"serve", "ORDERHUB_DELIVERY_TIMEOUT", "15 seconds"},
		{"serve", "ORDERHUB_DEMO", "maybe"},
		{"migrate", "ORDERHUB_LOG_FORMAT", "xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			var out, errb strings.Builder
			// An address that cannot be listened on: if the variable were
			// ignored, serve would fail later with exit 1.
			args := []string{c.cmd, "--data", t.TempDir()}
			if c.cmd == "serve" {
				args = append(args, "--addr", "bad:addr:x")
			}
			code := run(context.Background(), args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), c.name) {
				t.Errorf("%s=%q: exit %d, want 2 naming the variable; stderr:\n%s", c.name, c.value, code, errb.String())
			}
		})
	}
}
