package junglebook

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"orderhub/internal/hub"
)

// ---- responses: the seed's envelopes, field for field ----

// envelope is the answer to an accepted order and to order errors
// (orderResult first).
type envelope struct {
	OrderResult any `json:"orderResult"`
	PayResult   any `json:"payResult"`
}

// goodsEnvelope is the answer to a goods error (payResult first, as the
// seed's runout example).
type goodsEnvelope struct {
	PayResult   any `json:"payResult"`
	OrderResult any `json:"orderResult"`
}

// orderAccepted is orderResult of an accepted (or test) order.
type orderAccepted struct {
	Success         string `json:"success"` // "1"
	OrdNo           string `json:"ordNo"`
	OaType          string `json:"oaType"`
	OaAPIOrdno      string `json:"oaApiOrdno"`
	NameReceiver    string `json:"nameReceiver"`
	ZipCode         string `json:"zipCode"`
	Address         string `json:"address"`
	OrderGoods      string `json:"orderGoods"`
	SettleKind      string `json:"settleKind"`
	SettlePrice     string `json:"settlePrice"`
	TotalGoodsPrice string `json:"totalGoodsPrice"`
	Delivery        string `json:"delivery"`
	Memo            string `json:"memo"`
}

// orderFailed is orderResult of a refused order (parameter and order
// errors, 001–105, 201 and our own).
type orderFailed struct {
	Success   int    `json:"success"` // 0
	ErrCode   string `json:"errCode"`
	Parameter any    `json:"parameter"` // the field name, or the duplicate object
	ErrMsg    string `json:"errMsg"`
}

// goodsFailed is orderResult of a goods error (202–208).
type goodsFailed struct {
	Success   string     `json:"success"` // "0"
	GoodsData *goodsData `json:"goodsData"`
	ErrCode   string     `json:"errCode"`
	ErrMsg    string     `json:"errMsg"`
}

// goodsData describes the product a goods error is about; every value is
// a string.
type goodsData struct {
	GoodsNo              string `json:"goodsNo"`
	GoodsNm              string `json:"goodsNm"`
	CategoryCode         string `json:"categoryCode"`
	CategoryNm           string `json:"categoryNm"`
	Origin               string `json:"origin"`
	Maker                string `json:"maker"`
	Brand                string `json:"brand"`
	GoodsPrice           string `json:"goodsPrice"`
	SuggestionSalesPrice string `json:"suggestionSalesPrice"`
	GoodsDetail          string `json:"goodsDetail"`
	GoodsImage           string `json:"goodsImage"`
	GoodsStock           string `json:"goodsStock"`
	Runout               string `json:"runout"`
	Open                 string `json:"open"`
	EAD                  string `json:"EAD"`
	InPackageEA          string `json:"inPackageEA"`
	Tags                 string `json:"tags"`
}

// duplicateParameter is "parameter" of error 105.
type duplicateParameter struct {
	OaOrderNo    string       `json:"oaOrderNo"`
	DupOrderData dupOrderData `json:"dupOrderData"`
}

type dupOrderData struct {
	OrdNo        string `json:"ordNo"`
	OaOrderNo    string `json:"oaOrderNo"`
	NameReceiver string `json:"nameReceiver"`
}

// payAttempted is payResult once the order was taken (or tested).
// "successs" keeps the seed's triple s.
type payAttempted struct {
	Successs     int    `json:"successs"`
	PayResultMsg string `json:"payResultMsg"`
	CashBalance  string `json:"cashBalance"`
	PayAmount    string `json:"payAmount"`
}

// payNotTried is payResult of a refused order.
type payNotTried struct {
	Successs     int    `json:"successs"`
	PayResultMsg string `json:"payResultMsg"`
	CashBalance  string `json:"cashBalance"`
	PayAmount    int    `json:"payAmount"` // 0, a number
}

// payNotTriedGoods is payResult of a goods error.
type payNotTriedGoods struct {
	Successs     int     `json:"successs"`
	PayResultMsg string  `json:"payResultMsg"`
	CashBalance  string  `json:"cashBalance"`
	PayAmount    int     `json:"payAmount"`
	BankAccount  string  `json:"bankAccount"`
	BankSender   *string `json:"bankSender"`
}

// Messages of payResult.
const (
	msgNotTried     = "did not even try because order failed"
	msgTest         = "order test :)"
	msgPaid         = "success"
	msgNotEnough    = "not enough cash"
	msgBankTransfer = "waiting for bank transfer"
)

// ---- the request ----

// oaTypes are the accepted oaType values ("" and null mean "api").
var oaTypes = map[string]bool{"api": true, "storefarm": true, "emp": true, "talkstore": true, "mall": true, "opo": true}

// Field limits the seed leaves open (see the package documentation).
const (
	maxNameReceiver = 50
	maxPhone        = 30
	maxZipChars     = 10
	maxAddress      = 200
	maxBankSender   = 50
	maxMemo         = 100
	maxOaOrderNo    = 50
	maxEa           = 1_000_000_000
)

// item is one validated orderItem.
type item struct {
	GoodsNo string // digits
	Ea      int
}

// request is a validated data object.
type request struct {
	OaType         string // "api" when null
	OaOrderNo      string // "" when null: generated
	NameReceiver   string
	PhoneReceiver  string
	MobileReceiver string
	ZipCode        string
	Address        string
	Address2       string
	SettleKind     string // "a" or "s"
	BankSender     string
	DoubleCheck    int64
	Memo           string
	Items          []item
}

// fault is a refused request: an error code of the seed's table and the
// parameter it names, or (err) an error outside the table, such as a body
// over the cap.
type fault struct {
	code  string
	param string
	err   error
}

func required(param string) *fault { return &fault{code: codeRequired, param: param} }
func invalid(param string) *fault  { return &fault{code: codeInvalid, param: param} }

// fields is the data object as sent.
type fields map[string]json.RawMessage

// parseData decodes the data object. A non-object is 002 on "data".
func parseData(b []byte) (fields, *fault) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, required("data")
	}
	var f fields
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil || f == nil {
		return nil, invalid("data")
	}
	if dec.More() {
		return nil, invalid("data")
	}
	return f, nil
}

// missing reports an absent, null or blank value.
func missing(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	if raw[0] == '"' {
		var s string
		return json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) == ""
	}
	return false
}

// text reads a JSON string (trimmed). With numbers, a JSON integer is
// taken as its digits too.
func text(raw json.RawMessage, numbers bool) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	if numbers && isIntLiteral(string(raw)) {
		return string(raw), true
	}
	return "", false
}

func isIntLiteral(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	return allDigits(s)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// integer reads a JSON integer or a string of digits (the seed's
// doubleCheck is documented as an int and sent as "1").
func integer(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return 0, false
		}
		s = strings.TrimSpace(v)
	}
	if !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// settleKindOf is the settleKind as sent, for deciding whether bankSender
// is required ("a" when absent).
func settleKindOf(f fields) string {
	if missing(f["settleKind"]) {
		return "a"
	}
	s, _ := text(f["settleKind"], false)
	return strings.ToLower(s)
}

func oaTypeOf(f fields) string {
	if missing(f["oaType"]) {
		return "api"
	}
	s, _ := text(f["oaType"], false)
	return strings.ToLower(s)
}

// receiverTexts are the receiver's text fields, in the seed's order, with
// their formats (002): digits sent as a JSON number are text too where
// numbers is set, between min and max characters, and ok when set. fixed
// marks the four that the logistics centre replaces for "opo".
var receiverTexts = [...]struct {
	name     string
	numbers  bool
	min, max int
	ok       func(string) bool
	fixed    bool
	field    func(r *request) *string
}{
	{"nameReceiver", false, 2, maxNameReceiver, nil, true, func(r *request) *string { return &r.NameReceiver }},
	{"phoneReceiver", true, 1, maxPhone, validPhone, false, func(r *request) *string { return &r.PhoneReceiver }},
	{"mobileReceiver", true, 1, maxPhone, validPhone, false, func(r *request) *string { return &r.MobileReceiver }},
	{"zipCode", true, 5, maxZipChars, validZip, true, func(r *request) *string { return &r.ZipCode }},
	{"address", false, 1, maxAddress, nil, true, func(r *request) *string { return &r.Address }},
	{"address2", false, 1, maxAddress, nil, true, func(r *request) *string { return &r.Address2 }},
}

// validate applies the seed's field rules in the order of its error table:
// every required field (001), then every format (002), then the purchase
// agreement (101), duplicate items (102) and an empty item list (104).
// Fields are visited in the order the seed documents them. With
// fixedReceiver (oaType "opo" and a configured logistics centre) the four
// receiver fields are neither required nor read.
func validate(f fields, fixedReceiver bool) (*request, *fault) {
	oaType := oaTypeOf(f)
	skipReceiver := fixedReceiver && oaType == "opo"
	// 001: required.
	for i := range receiverTexts {
		if t := &receiverTexts[i]; !(skipReceiver && t.fixed) && missing(f[t.name]) {
			return nil, required(t.name)
		}
	}
	if settleKindOf(f) == "a" && missing(f["bankSender"]) {
		return nil, required("bankSender")
	}
	for _, name := range []string{"doubleCheck", "orderItem"} {
		if missing(f[name]) {
			return nil, required(name)
		}
	}
	var rawItems []json.RawMessage
	if json.Unmarshal(f["orderItem"], &rawItems) == nil {
		for i, ri := range rawItems {
			var it fields
			if json.Unmarshal(ri, &it) != nil || it == nil {
				continue // 002 below
			}
			for _, name := range []string{"goodsNo", "ea"} {
				if missing(it[name]) {
					return nil, required(itemParam(i, name))
				}
			}
		}
	}

	// 002: formats.
	r := &request{OaType: oaType}
	if !oaTypes[oaType] {
		return nil, invalid("oaType")
	}
	if !missing(f["oaOrderNo"]) {
		s, ok := text(f["oaOrderNo"], true)
		if !ok || utf8.RuneCountInString(s) > maxOaOrderNo || strings.ContainsFunc(s, isControl) {
			return nil, invalid("oaOrderNo")
		}
		r.OaOrderNo = s
	}
	str := func(name string, numbers bool, min, max int, ok func(string) bool) (string, *fault) {
		s, isText := text(f[name], numbers)
		n := utf8.RuneCountInString(s)
		if !isText || n < min || n > max || strings.ContainsFunc(s, isControl) || (ok != nil && !ok(s)) {
			return "", invalid(name)
		}
		return s, nil
	}
	var flt *fault
	for i := range receiverTexts {
		t := &receiverTexts[i]
		if skipReceiver && t.fixed {
			continue
		}
		if *t.field(r), flt = str(t.name, t.numbers, t.min, t.max, t.ok); flt != nil {
			return nil, flt
		}
	}
	r.SettleKind = settleKindOf(f)
	if r.SettleKind != "a" && r.SettleKind != "s" {
		return nil, invalid("settleKind")
	}
	if !missing(f["bankSender"]) {
		if r.BankSender, flt = str("bankSender", false, 1, maxBankSender, nil); flt != nil {
			return nil, flt
		}
	}
	dc, ok := integer(f["doubleCheck"])
	if !ok {
		return nil, invalid("doubleCheck")
	}
	r.DoubleCheck = dc
	if raw := bytes.TrimSpace(f["memo"]); len(raw) > 0 && string(raw) != "null" {
		s, isText := text(raw, false)
		if !isText || utf8.RuneCountInString(s) > maxMemo {
			return nil, invalid("memo")
		}
		r.Memo = s
	}
	if json.Unmarshal(f["orderItem"], &rawItems) != nil {
		return nil, invalid("orderItem")
	}
	if len(rawItems) > hub.MaxLines {
		return nil, invalid("orderItem")
	}
	for i, ri := range rawItems {
		var it fields
		if json.Unmarshal(ri, &it) != nil || it == nil {
			return nil, invalid(itemParam(i, ""))
		}
		no, ok := integer(it["goodsNo"])
		if !ok || no <= 0 {
			return nil, invalid(itemParam(i, "goodsNo"))
		}
		ea, ok := integer(it["ea"])
		if !ok || ea < 1 || ea >= maxEa {
			return nil, invalid(itemParam(i, "ea"))
		}
		r.Items = append(r.Items, item{GoodsNo: strconv.FormatInt(no, 10), Ea: int(ea)})
	}

	// 101: the purchase agreement.
	if r.DoubleCheck != 1 {
		return nil, &fault{code: codeNoAgreement, param: "doubleCheck"}
	}
	// 102: the same goods twice.
	seen := map[string]bool{}
	for i, it := range r.Items {
		if seen[it.GoodsNo] {
			return nil, &fault{code: codeDuplicateItems, param: itemParam(i, "goodsNo")}
		}
		seen[it.GoodsNo] = true
	}
	// 104: no items.
	if len(r.Items) == 0 {
		return nil, &fault{code: codeNoItems, param: "orderItem"}
	}
	return r, nil
}

// itemParam names a field of an item: orderItem[1].goodsNo.
func itemParam(i int, name string) string {
	p := "orderItem[" + strconv.Itoa(i) + "]"
	if name != "" {
		p += "." + name
	}
	return p
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validPhone accepts digits, spaces and + - ( ) . with at least one digit.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			return false
		}
	}
	return digits > 0
}

// validZip accepts 5 or more digits, with hyphens between them (old
// six-digit codes are written 123-456).
func validZip(s string) bool {
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	d := strings.ReplaceAll(s, "-", "")
	return len(d) >= 5 && allDigits(d)
}
