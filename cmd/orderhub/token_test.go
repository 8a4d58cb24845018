package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store/sqlite"
)

// TestTokenCommand: a database started without --demo has no /hub/v1
// token; `orderhub token create` issues an operator token or a brand one.
func TestTokenCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cli := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(ctx, append(append([]string{"token"}, args...), "--data", dir), &out, &errb)
		return code, strings.TrimSpace(out.String()), errb.String()
	}
	code, op, errs := cli("create")
	if code != 0 || !strings.HasPrefix(op, "ohh_") {
		t.Fatalf("token create: %d %q %s", code, op, errs)
	}
	st, err := sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st)
	b := &hub.Brand{Name: "B", Currency: "KRW"}
	if err := svc.CreateBrand(ctx, b); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, brandTok, errs := cli("create", "--brand", strconv.FormatInt(b.ID, 10), "--label", "pos team")
	if code != 0 || !strings.HasPrefix(brandTok, "ohh_") || brandTok == op {
		t.Fatalf("token create --brand: %d %q %s", code, brandTok, errs)
	}
	if code, _, errs := cli("create", "--brand", "999"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("unknown brand: %d %s", code, errs)
	}
	for _, bad := range [][]string{{}, {"list"}, {"create", "extra"}, {"create", "--brand", "-1"}, {"create", "--brand", "x"}} {
		if code, _, _ := cli(bad...); code != 2 {
			t.Errorf("token %v: exit %d, want 2", bad, code)
		}
	}

	st, err = sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc = service.New(st)
	for tok, want := range map[string]int64{op: 0, brandTok: b.ID} {
		p, err := svc.AuthenticateHubToken(ctx, tok)
		if err != nil || p.BrandID != want {
			t.Errorf("token %s…: %+v %v, want brand %d", tok[:8], p, err, want)
		}
	}
}
