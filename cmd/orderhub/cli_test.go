package main

import (
	"context"
	"encoding/json"
	"orderhub/internal/testutil"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store/sqlite"
)

// demoDir is a data directory holding the demo brand and two orders.
func demoDir(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, sqlite.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, service.WithOutbound(testutil.Outbound), server.Protocols().Option())
	if _, err := demo.Load(ctx, svc, "http://127.0.0.1:8080", server.Protocols()); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"cli-1", "cli-2"} {
		if _, err := svc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: 1, LocationID: 1, Channel: hub.ChannelHub, ExternalRef: ref,
			Lines: []service.LineInput{{ProductRef: "P004", Quantity: 2}}}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOperatorCommands: orders, partners and stock from the command line,
// as tables and as JSON, with refusals that say what is wrong and change
// nothing.
func TestOperatorCommands(t *testing.T) {
	dir := demoDir(t)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb strings.Builder
		code := run(context.Background(), append(args, "--data", dir), &out, &errb)
		return code, out.String(), errb.String()
	}
	jsonOf := func(s string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, s)
		}
	}

	// Orders.
	code, out, errs := cli("orders", "list", "--output", "json")
	var os_ []hub.Order
	jsonOf(out, &os_)
	if code != 0 || len(os_) != 2 || os_[0].ExternalRef != "cli-2" {
		t.Fatalf("orders list: %d %s %s", code, out, errs)
	}
	if code, out, _ := cli("orders", "list"); code != 0 || !strings.Contains(out, "NUMBER") || !strings.Contains(out, os_[0].Number) {
		t.Fatalf("orders list table: %d %s", code, out)
	}
	if code, out, _ := cli("orders", "show", "cli-1"); code != 0 || !strings.Contains(out, "Soybean paste stew") || !strings.Contains(out, "create") {
		t.Fatalf("orders show: %d %s", code, out)
	}
	var shown struct {
		Order   hub.Order        `json:"order"`
		History []hub.OrderEvent `json:"history"`
	}
	code, out, _ = cli("orders", "show", os_[1].Number, "--output", "json")
	jsonOf(out, &shown)
	if code != 0 || shown.Order.ID != os_[1].ID || len(shown.History) != 1 {
		t.Fatalf("orders show json: %d %s", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"orders", "show", "NOPE"}, 1, "not found"},
		{[]string{"orders", "list", "--status", "eaten"}, 2, "--status"},
		{[]string{"orders", "list", "--output", "yaml"}, 2, "--output"},
		{[]string{"orders", "list", "--limit", "0"}, 2, "--limit"},
		{[]string{"orders", "list", "--limit", "501"}, 2, "--limit must be between 1 and 500"},
		{[]string{"deliveries", "list", "--limit", "100000"}, 2, "--limit must be between 1 and 500"},
		{[]string{"deliveries", "list", "--limit", "0"}, 2, "--limit must be between 1 and 500"},
		{[]string{"orders", "list", "--channel", "bogus"}, 2, "--channel must be one of kakao, omni, junglebook, zeek, tableorder, hub"},
		{[]string{"orders", "list", "--brand", "9"}, 1, "brand 9"},
		{[]string{"partner", "create"}, 2, "--protocol"},
		{[]string{"partner", "create", "--protocol", "fax"}, 1, "protocol: must be one of"},
		{[]string{"partner", "create", "--protocol", "tableorder"}, 1, "location_ids"},
		{[]string{"partner", "create", "--protocol", "kakao", "--settings", `{"bot_url": 7}`}, 2, "--settings"},
		{[]string{"partner", "create", "--protocol", "junglebook", "--settings", `{"extra": {"delivery_fee": "lots"}}`}, 1, "settings.extra.delivery_fee"},
		{[]string{"partner", "rotate", "x"}, 2, "not a partner id"},
		{[]string{"partner", "revoke", "1"}, 2, "--credential"},
		{[]string{"partner", "revoke", "1", "--credential", "9999"}, 1, "not found"},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.says) {
			t.Errorf("%v: exit %d %q, want %d saying %q", c.args, code, errs, c.code, c.says)
		}
	}

	// Partners: create, list, rotate, revoke.
	code, out, errs = cli("partner", "list", "--output", "json")
	var before []hub.Partner
	jsonOf(out, &before)
	if code != 0 || len(before) < 5 {
		t.Fatalf("partner list: %d %s %s", code, out, errs)
	}
	code, out, errs = cli("partner", "create", "--protocol", "kakao", "--name", "second bot", "--settings", `{"bot_url": "https://bot.example"}`, "--output", "json")
	var created struct {
		Partner        hub.Partner              `json:"partner"`
		Credential     service.IssuedCredential `json:"credential"`
		CallbackSecret string                   `json:"callback_secret"`
	}
	jsonOf(out, &created)
	if code != 0 || created.Partner.ID == 0 || !strings.HasPrefix(created.Credential.APIKey, "ohk_") || created.CallbackSecret == "" {
		t.Fatalf("partner create: %d %s %s", code, out, errs)
	}
	id := created.Partner.ID
	if code, out, _ := cli("partner", "list"); code != 0 || !strings.Contains(out, "second bot") {
		t.Fatalf("partner list table: %s", out)
	}
	code, out, _ = cli("partner", "rotate", itoa(id))
	if code != 0 || !strings.Contains(out, "api key") || strings.Contains(out, created.Credential.APIKey) {
		t.Fatalf("partner rotate: %d %s", code, out)
	}
	if code, out, _ := cli("partner", "rotate", itoa(id), "--callback-secret"); code != 0 || !strings.Contains(out, "ohcb_") {
		t.Fatalf("partner rotate --callback-secret: %d %s", code, out)
	}
	if code, out, errs := cli("partner", "revoke", itoa(id), "--credential", itoa(created.Credential.ID)); code != 0 {
		t.Fatalf("partner revoke: %d %s %s", code, out, errs)
	}

	// Stock: export, change, import, refusals that change nothing.
	code, out, errs = cli("stock", "export")
	if code != 0 || !strings.HasPrefix(out, "location,product,quantity\n") || !strings.Contains(out, ",P001,40\n") {
		t.Fatalf("stock export: %d %s %s", code, out, errs)
	}
	exported := out
	file := filepath.Join(t.TempDir(), "stock.csv")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(strings.Replace(exported, ",P001,40\n", ",P001,7\n", 1))
	if code, out, errs := cli("stock", "import", "--file", file, "--dry-run"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Fatalf("dry run: %d %s %s", code, out, errs)
	}
	if _, out, _ := cli("stock", "export"); out != exported {
		t.Fatal("a dry run changed the stock")
	}
	loc := strings.Split(strings.Split(exported, "\n")[1], ",")[0]
	for _, bad := range []struct{ body, says string }{
		{"loc,prod,qty\n", "header"},
		{"location,product,quantity\n" + loc + ",P001,7\n" + loc + ",NOPE,1\n", "line 3: product"},
		{"location,product,quantity\n" + loc + ",P001,-1\n", "line 2: quantity"},
		{"location,product,quantity\n" + loc + ",P001,1000000001\n", "line 2: quantity"},
		{"location,product,quantity\nMARS,P001,1\n", "line 2: no location"},
		{"location,product,quantity\n" + loc + ",C001,1\n", "combo"},
		{"location,product,quantity\n" + loc + ",P001\n", "line 2"},
	} {
		write(bad.body)
		if code, _, errs := cli("stock", "import", "--file", file); code != 1 || !strings.Contains(errs, bad.says) {
			t.Errorf("import %q: %d %s, want saying %q", bad.body, code, errs, bad.says)
		}
	}
	if _, out, _ := cli("stock", "export"); out != exported {
		t.Fatal("a refused import changed the stock")
	}
	write("location,product,quantity\n" + loc + ",P001,7\n" + loc + ",P002,\n")
	if code, out, errs := cli("stock", "import", "--file", file); code != 0 || !strings.Contains(out, "set 2") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	_, out, _ = cli("stock", "export")
	if !strings.Contains(out, loc+",P001,7\n") || !strings.Contains(out, loc+",P002,\n") {
		t.Fatalf("after the import:\n%s", out)
	}
	// A product that does not deduct stock (P022) may still have a level:
	// what an import sets, an export lists, so the file round-trips.
	if strings.Contains(out, ",P022,") {
		t.Fatalf("P022 has no stock row yet but is exported:\n%s", out)
	}
	write("location,product,quantity\n" + loc + ",P022,5\n")
	if code, out, errs := cli("stock", "import", "--file", file); code != 0 || !strings.Contains(out, "set 1") {
		t.Fatalf("import P022: %d %s %s", code, out, errs)
	}
	_, roundTrip, _ := cli("stock", "export")
	if !strings.Contains(roundTrip, loc+",P022,5\n") {
		t.Fatalf("the P022 row did not round-trip:\n%s", roundTrip)
	}
	write(roundTrip)
	if code, out, errs := cli("stock", "import", "--file", file); code != 0 {
		t.Fatalf("re-import of the export: %d %s %s", code, out, errs)
	}
	if _, again, _ := cli("stock", "export"); again != roundTrip {
		t.Fatalf("export, import, export differ:\n%s\n---\n%s", roundTrip, again)
	}
}
func itoa(v int64) string { return strconv.FormatInt(v, 10) }
