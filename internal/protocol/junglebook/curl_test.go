package junglebook

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/testutil"
)

var curlRE = regexp.MustCompile(`(?s)<code>\s*(curl .*?)</code>`)

// TestCurlAsWritten runs the seed's cURL sample with the real curl binary,
// as written (multipart -F 'data=...'), with only the host replaced by the
// test server and the {api_key} placeholder by the partner's key.
func TestCurlAsWritten(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is required under CI=true")
		}
		t.Skip("curl not installed")
	}
	b, err := os.ReadFile(seedFile)
	must(t, err)
	m := curlRE.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("no curl sample in the seed")
	}
	cmd := strings.TrimSpace(m[1])
	if !strings.Contains(cmd, "https://api.junglebook.co.kr/order") || !strings.Contains(cmd, "-F 'data={") {
		t.Fatalf("the seed's sample changed: %s", cmd)
	}
	f := newFixture(t, nil)
	f.useOrdNos("1525145229154")
	cmd = strings.Replace(cmd, "https://api.junglebook.co.kr", f.Srv.URL, 1)
	cmd = strings.Replace(cmd, "{api_key}", f.key, 1)
	cmd = strings.Replace(cmd, "curl ", curl+" -sS ", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", cmd).Output()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	got := decodeJSON(t, out)
	// orderResult is the seed's success example; a bank-transfer order waits
	// for its payment.
	want := seedAnswer(t, 1)
	want["payResult"] = map[string]any{"successs": json.Number("0"), "payResultMsg": msgBankTransfer, "cashBalance": "0", "payAmount": "7600"}
	testutil.SameValue(t, "answer", want, got)

	o, err := f.Svc.FindOrder(f.Ctx, scope(f), "1525145229154")
	must(t, err)
	if o.ExternalRef != "123456" || o.Channel != hub.ChannelJunglebook || o.PaymentStatus != hub.PaymentUnpaid || o.Fees.Total != 7600 {
		t.Fatalf("stored order %+v", o)
	}
	if q := f.stock("7373"); *q != 22 {
		t.Fatalf("stock of 7373 = %d, want 22", *q)
	}
}
