package delivery

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub/internal/store"
)

func TestDefaultScheduleSpans72Hours(t *testing.T) {
	s := Config{}.Schedule()
	var total time.Duration
	for _, d := range s {
		total += d
	}
	if total < 72*time.Hour {
		t.Errorf("default schedule spans %s, want at least 72h", total)
	}
	if s[0] != 10*time.Second || s[1] != 20*time.Second || s[2] != 40*time.Second {
		t.Errorf("schedule starts %v, want 10s 20s 40s", s[:3])
	}
	for _, d := range s {
		if d > 4*time.Hour {
			t.Errorf("a wait of %s exceeds the 4h cap", d)
		}
	}
	t.Logf("default schedule: %d attempts over %s: %v", len(s)+1, total, s)
}

func TestNextDelay(t *testing.T) {
	e := New(nil, Config{InitialBackoff: time.Second, MaxBackoff: 8 * time.Second, Jitter: 0.2, MaxRetryAfter: time.Minute})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 30: 8 * time.Second} {
		for i := 0; i < 50; i++ {
			d := e.nextDelay(n, 0)
			if d < want*8/10 || d > want*12/10 {
				t.Fatalf("wait after failure %d = %s, want %s ± 20%%", n, d, want)
			}
		}
	}
	if d := e.nextDelay(1, 30*time.Second); d != 30*time.Second {
		t.Errorf("Retry-After 30s gave %s", d)
	}
	if d := e.nextDelay(1, time.Hour); d != time.Minute {
		t.Errorf("Retry-After 1h capped at 1m gave %s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":     0,
		"120":  2 * time.Minute,
		"0":    0,
		"-5":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		acc    Acceptance
		status int
		body   string
		want   outcome
	}{
		{Accept2xx, 200, "", outSuccess},
		{Accept2xx, 204, "", outSuccess},
		{Accept2xx, 0, "", outRetry},
		{Accept2xx, 408, "", outRetry},
		{Accept2xx, 429, "", outRetry},
		{Accept2xx, 500, "", outRetry},
		{Accept2xx, 503, "", outRetry},
		{Accept2xx, 400, "", outFinal},
		{Accept2xx, 401, "", outFinal},
		{Accept2xx, 404, "", outFinal},
		{Accept2xx, 301, "", outFinal},
		{Accept2xx, 410, "", outGone},
		{AcceptStatusOK, 200, `{"status":"OK"}`, outSuccess},
		{AcceptStatusOK, 200, `{"status":"FAIL"}`, outRetry},
		{AcceptStatusOK, 201, `{"status":"OK"}`, outRetry},
		{AcceptStatusOK, 200, `not json`, outRetry},
	} {
		if got := classify(c.acc, result{status: c.status, body: []byte(c.body)}); got != c.want {
			t.Errorf("classify(%s, %d, %s) = %d, want %d", c.acc, c.status, c.body, got, c.want)
		}
	}
}

// TestSignKSFormat pins the KS-Signature format with a vector computed
// independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
func TestSignKSFormat(t *testing.T) {
	got := SignKSHex([]byte("secret"), "1700000000", []byte(`{"a":1}`))
	if want := "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"; got != want {
		t.Errorf("KS-Signature = %q, want %q", got, want)
	}
}

func TestStandardSignatureFormat(t *testing.T) {
	k1, _ := SecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	sig := SignStandard([][]byte{k1}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	// The Standard Webhooks specification's own example.
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Errorf("signature = %s, want %s", sig, want)
	}
	two := SignStandard([][]byte{k1, []byte("raw")}, "id", 1, nil)
	if parts := strings.Split(two, " "); len(parts) != 2 || !strings.HasPrefix(parts[1], "v1,") {
		t.Errorf("two signatures = %q", two)
	}
}

func TestWebhookBody(t *testing.T) {
	ev := &store.Event{ID: 42, Payload: []byte(`{"created_at":"x","data":{"a":1},"type":"order.created","version":1}`)}
	if got := string(WebhookBody(ev)); got != `{"id":42,"created_at":"x","data":{"a":1},"type":"order.created","version":1}` {
		t.Errorf("body = %s", got)
	}
	if got := string(WebhookBody(&store.Event{ID: 1, Payload: []byte(`{}`)})); got != `{"id":1}` {
		t.Errorf("empty body = %s", got)
	}
}
