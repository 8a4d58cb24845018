// Credentials: partner keys, hub tokens and their revocation.

package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testCredentials(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	exp := now.Add(time.Hour)
	key := &store.Credential{PartnerID: 1, BrandID: 9, Kind: store.CredAPIKey, Lookup: "hash-of-key", Hint: "ohk_abc…", Label: "main"}
	client := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredClient, Lookup: "ohc_client", SecretHash: "hash-of-secret"}
	otherClient := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredClient, Lookup: "ohc_other", SecretHash: "h"}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{key, client, otherClient} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	tok1 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-1", ParentID: client.ID, ExpiresAt: &exp}
	tok2 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-2", ParentID: client.ID, ExpiresAt: &exp}
	tok3 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-3", ParentID: otherClient.ID, ExpiresAt: &exp}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{tok1, tok2, tok3} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.CredentialByLookup(ctx, store.CredAPIKey, "hash-of-key")
	if err != nil || !reflect.DeepEqual(got, key) {
		t.Fatalf("CredentialByLookup = %+v, %v\nwant %+v", got, err, key)
	}
	if !got.Live(now) {
		t.Fatal("a fresh key is not live")
	}
	got, err = s.CredentialByLookup(ctx, store.CredAccessToken, "tok-1")
	if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.ParentID != client.ID {
		t.Fatalf("token = %+v, %v", got, err)
	}
	if !got.Live(now) || got.Live(exp) || got.Live(exp.Add(time.Second)) {
		t.Fatal("Live must be true before expiry and false from it on")
	}
	// Lookups are per kind.
	_, err = s.CredentialByLookup(ctx, store.CredClient, "hash-of-key")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.CredentialByLookup(ctx, store.CredAPIKey, "nope")
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAPIKey, Lookup: "hash-of-key"})
	})
	wantCode(t, err, hub.CodeConflict)
	update(t, s, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredHubToken, Lookup: "hash-of-key"})
	})

	// Access tokens are not listed with the partner's credentials.
	list, err := s.ListCredentials(ctx, 2)
	if err != nil || len(list) != 2 || list[0].ID != client.ID || list[1].ID != otherClient.ID {
		t.Fatalf("ListCredentials = %+v, %v", list, err)
	}

	// Revoking a client revokes the tokens issued for it, and only those.
	revokedAt := now.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.RevokeCredential(ctx, client.ID, revokedAt) })
	for _, c := range []struct {
		kind    store.CredentialKind
		lookup  string
		revoked bool
	}{
		{store.CredClient, "ohc_client", true}, {store.CredAccessToken, "tok-1", true}, {store.CredAccessToken, "tok-2", true},
		{store.CredClient, "ohc_other", false}, {store.CredAccessToken, "tok-3", false}, {store.CredAPIKey, "hash-of-key", false},
	} {
		got, err := s.CredentialByLookup(ctx, c.kind, c.lookup)
		if err != nil {
			t.Fatalf("%s: %v", c.lookup, err)
		}
		if (got.RevokedAt != nil) != c.revoked {
			t.Errorf("%s: revoked_at = %v, want revoked %v", c.lookup, got.RevokedAt, c.revoked)
		}
		if c.revoked && (!got.RevokedAt.Equal(revokedAt) || got.Live(now)) {
			t.Errorf("%s: revoked at %v, live %v", c.lookup, got.RevokedAt, got.Live(now))
		}
	}
	// Revoking again keeps the first time; an unknown id is not found.
	update(t, s, func(tx store.Tx) error { return tx.RevokeCredential(ctx, client.ID, revokedAt.Add(time.Hour)) })
	if got, _ := s.CredentialByLookup(ctx, store.CredClient, "ohc_client"); !got.RevokedAt.Equal(revokedAt) {
		t.Fatalf("second revoke moved revoked_at to %v", got.RevokedAt)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.RevokeCredential(ctx, tok3.ID+100, now) })
	wantCode(t, err, hub.CodeNotFound)
}

// testHubTokens: ListHubTokens lists hub tokens only, of one brand or, for
// brand 0, of every brand, revoked ones included, by id.
func testHubTokens(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	op := &store.Credential{Kind: store.CredHubToken, Lookup: "hub-op", Hint: "ohh_op…", Label: "op"}
	b1 := &store.Credential{Kind: store.CredHubToken, BrandID: 1, Lookup: "hub-b1", Hint: "ohh_b1…", Label: "pos"}
	b2 := &store.Credential{Kind: store.CredHubToken, BrandID: 2, Lookup: "hub-b2"}
	b1b := &store.Credential{Kind: store.CredHubToken, BrandID: 1, Lookup: "hub-b1b"}
	key := &store.Credential{PartnerID: 7, BrandID: 1, Kind: store.CredAPIKey, Lookup: "key-b1"}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{op, b1, b2, key, b1b} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return tx.RevokeCredential(ctx, b1b.ID, time.Now())
	})
	ids := func(cs []store.Credential) []int64 {
		return idsOf(cs, func(c store.Credential) int64 { return c.ID })
	}
	for _, c := range []struct {
		brand int64
		want  []int64
	}{{0, []int64{op.ID, b1.ID, b2.ID, b1b.ID}}, {1, []int64{b1.ID, b1b.ID}}, {2, []int64{b2.ID}}, {3, nil}} {
		got, err := s.ListHubTokens(ctx, c.brand)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("ListHubTokens(%d) = %v, want %v", c.brand, ids(got), c.want)
		}
		for _, g := range got {
			if g.Kind != store.CredHubToken || (g.ID == b1b.ID) != (g.RevokedAt != nil) {
				t.Errorf("ListHubTokens(%d): %+v", c.brand, g)
			}
			if g.ID == b1.ID && (g.Label != "pos" || g.Hint != "ohh_b1…" || g.BrandID != 1 || g.CreatedAt.IsZero()) {
				t.Errorf("ListHubTokens(%d): %+v", c.brand, g)
			}
		}
	}
}
