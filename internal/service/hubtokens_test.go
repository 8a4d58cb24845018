package service_test

import (
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestHubTokens: issue, list by brand, revoke within the brand, and the
// last live operator token kept.
func TestHubTokens(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		svc := service.New(st, service.WithOutbound(testutil.Outbound))
		b1, b2 := &hub.Brand{Name: "A", Currency: "KRW"}, &hub.Brand{Name: "B", Currency: "USD"}
		for _, b := range []*hub.Brand{b1, b2} {
			if err := svc.CreateBrand(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		issue := func(brandID int64, label string) *service.IssuedHubToken {
			t.Helper()
			it, err := svc.IssueHubToken(ctx, brandID, label)
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		op, t1, t2 := issue(0, "op"), issue(b1.ID, "pos"), issue(b2.ID, "")
		if _, err := svc.IssueHubToken(ctx, 999, "x"); hub.ErrorCode(err) != hub.CodeNotFound || hub.AsError(err).Field != "brand_id" {
			t.Fatalf("unknown brand: %v", err)
		}
		ids := func(brandID int64) []int64 {
			t.Helper()
			ts, err := svc.ListHubTokens(ctx, brandID)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, x := range ts {
				out = append(out, x.ID)
			}
			return out
		}
		eq := func(a, b []int64) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if a[i] != b[i] {
					return false
				}
			}
			return true
		}
		if got := ids(0); !eq(got, []int64{op.ID, t1.ID, t2.ID}) {
			t.Fatalf("operator lists %v", got)
		}
		if got := ids(b1.ID); !eq(got, []int64{t1.ID}) {
			t.Fatalf("brand 1 lists %v", got)
		}
		ts, _ := svc.ListHubTokens(ctx, b1.ID)
		if ts[0] != t1.HubToken || t1.Label != "pos" || t1.BrandID != b1.ID {
			t.Fatalf("listed %+v, issued %+v", ts[0], t1.HubToken)
		}

		// A brand cannot revoke another brand's or an operator's token.
		for _, id := range []int64{t2.ID, op.ID, 999} {
			if err := svc.RevokeHubToken(ctx, b1.ID, id); hub.ErrorCode(err) != hub.CodeNotFound {
				t.Fatalf("brand 1 revokes %d: %v", id, err)
			}
		}
		// The last live operator token is refused, also to itself.
		err := svc.RevokeHubToken(ctx, 0, op.ID)
		if hub.ErrorCode(err) != hub.CodeConflict || hub.ErrorReason(err) != hub.ReasonLastOperatorToken {
			t.Fatalf("last operator token: %v", err)
		}
		if _, err := svc.AuthenticateHubToken(ctx, op.Token); err != nil {
			t.Fatalf("refused revoke still revoked: %v", err)
		}
		// With a second one, either may go, but not both.
		op2 := issue(0, "op2")
		if err := svc.RevokeHubToken(ctx, 0, op.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeHubToken(ctx, 0, op2.ID); hub.ErrorReason(err) != hub.ReasonLastOperatorToken {
			t.Fatalf("now op2 is the last: %v", err)
		}
		// Revoking a revoked token changes nothing.
		if err := svc.RevokeHubToken(ctx, 0, op.ID); err != nil {
			t.Fatalf("revoke again: %v", err)
		}
		// A brand token revokes its own (itself); the operator any brand's.
		if err := svc.RevokeHubToken(ctx, b1.ID, t1.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeHubToken(ctx, 0, t2.ID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{op.Token, t1.Token, t2.Token} {
			if _, err := svc.AuthenticateHubToken(ctx, tok); hub.ErrorCode(err) != hub.CodeUnauthorized {
				t.Fatalf("revoked token authenticates: %v", err)
			}
		}
		if _, err := svc.AuthenticateHubToken(ctx, op2.Token); err != nil {
			t.Fatal(err)
		}
		all, _ := svc.ListHubTokens(ctx, 0)
		for _, x := range all {
			if (x.RevokedAt == nil) != (x.ID == op2.ID) {
				t.Errorf("revoked_at of %d: %v", x.ID, x.RevokedAt)
			}
		}
		if got := ids(0); !eq(got, []int64{op.ID, t1.ID, t2.ID, op2.ID}) {
			t.Fatalf("revoked tokens stay listed: %v", got)
		}
		if _, err := svc.IssueHubToken(ctx, -1, ""); hub.ErrorCode(err) != hub.CodeInvalid {
			t.Fatalf("negative brand: %v", err)
		}
	})
}
