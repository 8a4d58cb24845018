package main

import (
	"context"
	"encoding/json"
	"orderhub/internal/testutil"
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
	svc := service.New(st, service.WithOutbound(testutil.Outbound))
	b := &hub.Brand{Name: "B", Currency: "KRW"}
	if err := svc.CreateBrand(ctx, b); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, brandTok, errs := cli("create", "--brand", strconv.FormatInt(b.ID, 10), "--label", "pos team")
	if code != 0 || !strings.HasPrefix(brandTok, "ohh_") || brandTok == op {
		t.Fatalf("token create --brand: %d %q %s", code, brandTok, errs)
	}
	// --output json: the issued token with its id, brand and label.
	code, out, errs := cli("create", "--brand", strconv.FormatInt(b.ID, 10), "--label", "script", "--output", "json")
	var issued service.IssuedHubToken
	if err := json.Unmarshal([]byte(out), &issued); err != nil || code != 0 || !strings.HasPrefix(issued.Token, "ohh_") ||
		issued.ID == 0 || issued.BrandID != b.ID || issued.Label != "script" {
		t.Fatalf("token create --output json: %d %q %s %v", code, out, errs, err)
	}
	if code, _, errs := cli("create", "--output", "yaml"); code != 2 || !strings.Contains(errs, "--output") {
		t.Errorf("token create --output yaml: %d %s", code, errs)
	}
	if code, _, errs := cli("create", "--brand", "999"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("unknown brand: %d %s", code, errs)
	}
	for _, bad := range [][]string{{}, {"lsit"}, {"create", "extra"}, {"create", "--brand", "-1"}, {"create", "--brand", "x"}} {
		if code, _, _ := cli(bad...); code != 2 {
			t.Errorf("token %v: exit %d, want 2", bad, code)
		}
	}

	st, err = sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc = service.New(st, service.WithOutbound(testutil.Outbound))
	for tok, want := range map[string]int64{op: 0, brandTok: b.ID} {
		p, err := svc.AuthenticateHubToken(ctx, tok)
		if err != nil || p.BrandID != want {
			t.Errorf("token %s…: %+v %v, want brand %d", tok[:8], p, err, want)
		}
	}
}

// TestTokenListRevoke: `orderhub token list` shows the tokens (never the
// tokens themselves), `orderhub token revoke` revokes one, and the last
// live operator token is refused.
func TestTokenListRevoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cli := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(ctx, append(append([]string{"token"}, args...), "--data", dir), &out, &errb)
		return code, strings.TrimSpace(out.String()), errb.String()
	}
	st, err := sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.WithOutbound(testutil.Outbound))
	b := &hub.Brand{Name: "B", Currency: "KRW"}
	if err := svc.CreateBrand(ctx, b); err != nil {
		t.Fatal(err)
	}
	st.Close()
	brand := strconv.FormatInt(b.ID, 10)

	_, op, _ := cli("create", "--label", "first op")
	_, brandTok, _ := cli("create", "--brand", brand, "--label", "pos team")
	code, out, errs := cli("list")
	lines := strings.Split(out, "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "operator") || !strings.Contains(lines[1], `"first op"`) || !strings.Contains(lines[1], op[:8]) ||
		!strings.Contains(lines[2], `"pos team"`) || strings.Contains(out, op) || strings.Contains(out, brandTok) {
		t.Fatalf("token list: %d\n%s\n%s", code, out, errs)
	}
	if f := strings.Fields(lines[2]); f[0] != "2" || f[1] != brand || f[len(f)-1] != "-" {
		t.Fatalf("brand token line: %q", lines[2])
	}
	if code, out, _ := cli("list", "--brand", brand); code != 0 || len(strings.Split(out, "\n")) != 2 || !strings.Contains(out, "pos team") {
		t.Fatalf("token list --brand: %d\n%s", code, out)
	}

	if code, out, errs := cli("revoke", "2"); code != 0 || out != "revoked token 2" {
		t.Fatalf("token revoke 2: %d %q %s", code, out, errs)
	}
	if code, _, errs := cli("revoke", "1"); code != 1 || !strings.Contains(errs, "last live operator token") {
		t.Fatalf("revoking the last operator token: %d %s", code, errs)
	}
	if code, _, errs := cli("revoke", "99"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("unknown token: %d %s", code, errs)
	}
	for _, bad := range [][]string{{"revoke"}, {"revoke", "x"}, {"revoke", "0"}, {"revoke", "1", "2"}, {"list", "extra"}, {"list", "--brand", "-1"}, {"list", "--label", "x"}} {
		if code, _, _ := cli(bad...); code != 2 {
			t.Errorf("token %v: exit %d, want 2", bad, code)
		}
	}
	code, out, _ = cli("list")
	if lines := strings.Split(out, "\n"); code != 0 || strings.HasSuffix(lines[2], " -") || !strings.HasSuffix(lines[1], " -") {
		t.Fatalf("after revoke: %d\n%s", code, out)
	}

	st, err = sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc = service.New(st, service.WithOutbound(testutil.Outbound))
	if _, err := svc.AuthenticateHubToken(ctx, brandTok); hub.ErrorCode(err) != hub.CodeUnauthorized {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := svc.AuthenticateHubToken(ctx, op); err != nil {
		t.Fatalf("operator token: %v", err)
	}
}
