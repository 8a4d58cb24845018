package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestHubTokens: GET/POST /hub/v1/tokens and DELETE /hub/v1/tokens/{id}
// — scoping by brand, the token shown once, revocation taking effect at
// once, and the last operator token kept.
func TestHubTokens(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		// want checks the status and the exact JSON body.
		want := func(what string, status int, body map[string]any, wantStatus int, wantBody any) {
			t.Helper()
			var w any
			if s, ok := wantBody.(string); ok {
				if err := json.Unmarshal([]byte(s), &w); err != nil {
					t.Fatalf("%s: bad expectation: %v", what, err)
				}
			} else {
				_ = json.Unmarshal([]byte(mustJSON(wantBody)), &w)
			}
			var got any
			if body != nil {
				got = map[string]any(body)
			}
			if status != wantStatus || !reflect.DeepEqual(got, w) {
				t.Fatalf("%s: %d %s, want %d %s", what, status, mustJSON(body), wantStatus, mustJSON(w))
			}
		}
		tokens := func(brandID int64) []service.HubToken {
			t.Helper()
			ts, err := f.Svc.ListHubTokens(ctx, brandID)
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		list := func(ts ...service.HubToken) map[string]any {
			if ts == nil {
				ts = []service.HubToken{}
			}
			return map[string]any{"data": ts, "next_cursor": nil}
		}
		all := tokens(0)
		if len(all) != 3 {
			t.Fatalf("fixture tokens: %+v", all)
		}
		op, brandT, otherT := all[0], all[1], all[2]

		// Lists: the operator sees every token, a brand token its own.
		status, body, _ := f.do("GET", "/hub/v1/tokens", f.operator, "")
		want("operator lists", status, body, 200, list(op, brandT, otherT))
		for _, tok := range []string{f.operator, f.brandTok, f.otherTok} {
			if strings.Contains(mustJSON(body), tok) {
				t.Fatalf("a listed token shows its secret: %s", mustJSON(body))
			}
		}
		status, body, _ = f.do("GET", "/hub/v1/tokens", f.brandTok, "")
		want("brand lists", status, body, 200, list(brandT))
		status, body, _ = f.do("GET", "/hub/v1/tokens", f.otherTok, "")
		want("other brand lists", status, body, 200, list(otherT))
		status, body, _ = f.do("GET", "/hub/v1/tokens", "", "")
		want("no token", status, body, 401, `{"error":{"code":"unauthorized","message":"missing bearer token"}}`)

		// Create: a brand token for its own brand, shown once.
		status, body, _ = f.do("POST", "/hub/v1/tokens", f.brandTok, `{"label":"pos team"}`)
		if status != 201 {
			t.Fatalf("brand creates: %d %v", status, body)
		}
		posTok, _ := body["token"].(string)
		if !strings.HasPrefix(posTok, "ohh_") {
			t.Fatalf("brand creates: %v", body)
		}
		pos := tokens(f.brand.ID)[1]
		want("brand creates", status, body, 201, service.IssuedHubToken{HubToken: pos, Token: posTok})
		if pos.BrandID != f.brand.ID || pos.Label != "pos team" || pos.RevokedAt != nil || !strings.HasPrefix(posTok, strings.TrimSuffix(pos.Hint, "…")) {
			t.Fatalf("stored: %+v", pos)
		}
		status, body, _ = f.do("GET", "/hub/v1/tokens", posTok, "")
		want("new token lists", status, body, 200, list(brandT, pos))
		if strings.Contains(mustJSON(body), posTok) {
			t.Fatalf("the new token is shown again: %s", mustJSON(body))
		}

		// Create: the operator names the brand; 0 is another operator token.
		status, body, _ = f.do("POST", "/hub/v1/tokens", f.operator, `{"label":"second op","brand_id":0}`)
		op2Tok, _ := body["token"].(string)
		op2 := tokens(0)[4]
		want("operator creates an operator token", status, body, 201, service.IssuedHubToken{HubToken: op2, Token: op2Tok})
		if op2.BrandID != 0 || op2.Label != "second op" {
			t.Fatalf("stored: %+v", op2)
		}
		status, body, _ = f.do("POST", "/hub/v1/tokens", f.operator, `{"label":"for other","brand_id":`+itoa(f.other.ID)+`}`)
		if status != 201 || body["brand_id"] != float64(f.other.ID) {
			t.Fatalf("operator creates for a brand: %d %v", status, body)
		}

		// Create: refusals name the field.
		for _, c := range []struct {
			what, token, body string
			status            int
			want              string
		}{
			{"operator without brand_id", f.operator, `{"label":"x"}`, 400,
				`{"error":{"code":"invalid","message":"is required with an operator token (0 issues an operator token)","details":{"field":"brand_id"}}}`},
			{"negative brand_id", f.operator, `{"brand_id":-1}`, 400,
				`{"error":{"code":"invalid","message":"must not be negative","details":{"field":"brand_id"}}}`},
			{"unknown brand", f.operator, `{"brand_id":999}`, 404,
				`{"error":{"code":"not_found","message":"brand 999 not found","details":{"field":"brand_id"}}}`},
			{"label too long", f.operator, `{"brand_id":0,"label":"` + strings.Repeat("x", 201) + `"}`, 400,
				`{"error":{"code":"invalid","message":"must be at most 200 bytes","details":{"field":"label"}}}`},
			{"unknown field", f.brandTok, `{"lable":"x"}`, 400,
				`{"error":{"code":"invalid","message":"unknown field","details":{"field":"lable"}}}`},
			{"brand token for another brand", f.brandTok, `{"brand_id":` + itoa(f.other.ID) + `}`, 404,
				`{"error":{"code":"not_found","message":"brand ` + itoa(f.other.ID) + ` not found"}}`},
			{"brand token for an operator token", f.brandTok, `{"brand_id":0}`, 403,
				`{"error":{"code":"forbidden","message":"only an operator token may do this"}}`},
		} {
			status, body, _ := f.do("POST", "/hub/v1/tokens", c.token, c.body)
			want(c.what, status, body, c.status, c.want)
		}

		// Revoke: another brand's token and an operator's are not found
		// to a brand token.
		for _, id := range []int64{otherT.ID, op.ID, 999} {
			status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(id), f.brandTok, "")
			want("brand revokes "+itoa(id), status, body, 404, `{"error":{"code":"not_found","message":"token `+itoa(id)+` not found"}}`)
		}
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(pos.ID), f.brandTok, "")
		want("brand revokes its own", status, body, 204, nil)
		status, body, _ = f.do("GET", "/hub/v1/tokens", posTok, "")
		want("revoked token", status, body, 401, `{"error":{"code":"unauthorized","message":"invalid credentials"}}`)
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(pos.ID), f.brandTok, "")
		want("revoke again", status, body, 204, nil)
		status, body, _ = f.do("GET", "/hub/v1/tokens", f.brandTok, "")
		pos.RevokedAt = tokens(f.brand.ID)[1].RevokedAt
		want("list shows revoked_at", status, body, 200, list(brandT, pos))
		if pos.RevokedAt == nil || !strings.Contains(mustJSON(body), `"revoked_at":"`) {
			t.Fatalf("revoked_at: %s", mustJSON(body))
		}

		// A token may revoke itself.
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(otherT.ID), f.otherTok, "")
		want("revoke itself", status, body, 204, nil)
		status, body, _ = f.do("GET", "/hub/v1/brands", f.otherTok, "")
		want("self-revoked token", status, body, 401, `{"error":{"code":"unauthorized","message":"invalid credentials"}}`)

		// The last live operator token is refused; the one before is not.
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(op2.ID), f.operator, "")
		want("revoke second operator token", status, body, 204, nil)
		status, body, _ = f.do("GET", "/hub/v1/tokens", op2Tok, "")
		want("revoked operator token", status, body, 401, `{"error":{"code":"unauthorized","message":"invalid credentials"}}`)
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/"+itoa(op.ID), f.operator, "")
		want("revoke last operator token", status, body, 409, `{"error":{"code":"conflict","message":"token `+itoa(op.ID)+
			` is the last live operator token; issue another first (orderhub token create) so that operators are not locked out","details":{"reason":"last_operator_token"}}}`)
		status, _, _ = f.do("GET", "/hub/v1/tokens", f.operator, "")
		if status != 200 {
			t.Fatalf("the last operator token must still work: %d", status)
		}
		status, body, _ = f.do("DELETE", "/hub/v1/tokens/x", f.operator, "")
		want("bad id", status, body, 404, `{"error":{"code":"not_found","message":"id \"x\" not found"}}`)
		status, body, _ = f.do("PUT", "/hub/v1/tokens/1", f.operator, "")
		if status != 405 {
			t.Fatalf("PUT: %d %v", status, body)
		}
	})
}
