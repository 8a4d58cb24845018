package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestRotateCallbackSecret: the rotate answer says until when the replaced
// callback secret still signs (null when there was none), and the store
// keeps that secret as the previous one.
func TestRotateCallbackSecret(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		status, body, _ := f.do("POST", "/hub/v1/partners", f.brandTok,
			`{"protocol":"zeek","name":"Zeek rot","location_ids":[`+itoa(f.loc.ID)+`],"settings":{"callback_url":"https://example.test/cb","price_policy":"accept"}}`)
		if status != 201 {
			t.Fatalf("create partner: %d %v", status, body)
		}
		first, _ := body["callback_secret"].(string)
		id := int64(body["id"].(float64))
		before := time.Now()
		status, body, hdr := f.do("POST", "/hub/v1/partners/"+itoa(id)+"/callback-secret", f.brandTok, "")
		secret, _ := body["callback_secret"].(string)
		if status != 200 || !strings.HasPrefix(secret, "ohcb_") || secret == first || hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("rotate: %d %v", status, body)
		}
		expStr, _ := body["previous_secret_expires_at"].(string)
		exp, err := time.Parse(time.RFC3339Nano, expStr)
		if err != nil {
			t.Fatalf("previous_secret_expires_at = %v: %v", body["previous_secret_expires_at"], err)
		}
		if lo, hi := before.Add(delivery.RotationGrace-time.Second), time.Now().Add(delivery.RotationGrace+time.Second); exp.Before(lo) || exp.After(hi) {
			t.Errorf("previous_secret_expires_at = %v, want about now + %v", exp, delivery.RotationGrace)
		}
		prev, storedExp, err := st.PartnerPreviousCallbackSecret(context.Background(), id)
		if err != nil || prev != first || storedExp == nil || !storedExp.Equal(exp) {
			t.Errorf("stored previous = %q until %v, %v; want the first secret until %v", prev, storedExp, err, exp)
		}

		// A partner without a callback secret has no previous one.
		status, body, _ = f.do("POST", "/hub/v1/partners", f.brandTok, `{"protocol":"omni","name":"POS rot"}`)
		if status != 201 || body["callback_secret"] != nil {
			t.Fatalf("create omni partner: %d %v", status, body)
		}
		status, body, _ = f.do("POST", "/hub/v1/partners/"+itoa(int64(body["id"].(float64)))+"/callback-secret", f.brandTok, "")
		if v, present := body["previous_secret_expires_at"]; status != 200 || !present || v != nil {
			t.Errorf("first secret's rotate answer: %d %v, want previous_secret_expires_at null", status, body)
		}
	})
}
