package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"orderhub/internal/httpx"
)

// TestRetentionFlags: the defaults pass, and serve refuses (exit 2, before
// opening anything) an idempotency retention shorter than the replay window
// and ages that are not positive, naming the flag's variable.
func TestRetentionFlags(t *testing.T) {
	var c config
	if err := parse(serveFlags(&c, io.Discard), nil, &c); err != nil {
		t.Fatal(err)
	}
	if err := checkRetention(&c.Delivery); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	if c.Delivery.RetainDelivered != 720*time.Hour || c.Delivery.RetainDead != 2160*time.Hour || c.Delivery.RetainIdempotency != 48*time.Hour {
		t.Errorf("defaults: %+v", c.Delivery)
	}
	c.Delivery.RetainIdempotency = httpx.IdempotencyTTL
	if err := checkRetention(&c.Delivery); err != nil {
		t.Errorf("exactly the replay window refused: %v", err)
	}

	for _, tc := range []struct {
		env, value string
		args       []string
		want       string
	}{
		{"ORDERHUB_RETAIN_IDEMPOTENCY", "1h", nil, "at least 24h0m0s"},
		{"ORDERHUB_RETAIN_DEAD", "0s", nil, "ORDERHUB_RETAIN_DEAD"},
		{"", "", []string{"--retain-delivered", "-1h"}, "ORDERHUB_RETAIN_DELIVERED"},
		{"ORDERHUB_RETAIN_DELIVERED", "30 days", nil, "ORDERHUB_RETAIN_DELIVERED"},
	} {
		t.Run(tc.env+strings.Join(tc.args, " "), func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(tc.env, tc.value)
			}
			var out, errb strings.Builder
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "bad:addr:x"}, tc.args...)
			code := run(context.Background(), args, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, want 2 with %q; stderr:\n%s", code, tc.want, errb.String())
			}
		})
	}
}
