package zeek

import (
	"strconv"
	"strings"

	"orderhub/internal/hub"
)

// Languages of KS-Lang.
const (
	langEN = "en"
	langVI = "vi"
)

// Error codes of the seed's envelope {"error": "<code>", "error_msg": ...}.
// 40001, 40002, 40101 and 40401 are the seed's; the others follow its
// pattern (HTTP status × 100 + a number).
const (
	codeInvalid        = "40001" // 400: a parameter or header is missing or wrong
	codeBadClient      = "40002" // 400: unknown client id or wrong secret
	codeUnauthorised   = "40101" // 401: no, unknown, expired or revoked bearer token
	codeForbidden      = "40301" // 403: the client may not act on this location
	codeNotFound       = "40401" // 404: no such store, order (in the client's scope)
	codeMethod         = "40501" // 405: not POST
	codeConflict       = "40901" // 409: the order's status does not allow the change
	codeRequestIDReuse = "40902" // 409: KS-Client-Request-Id already used with another body
	codeInProgress     = "40903" // 409: the first request with this KS-Client-Request-Id is still running
	codeAmbiguous      = "40904" // 409: the order_id names more than one order (none is guessed)
	codeInternal       = "50001" // 500: our fault, never described
	codeUnavailable    = "50301" // 503: the database or a dependency is unavailable
	codeTooLarge       = "41301" // 413: the body is over the cap
	codeRateLimited    = "42901" // 429: over the rate limit (Retry-After says when to retry)
)

// texts are the error_msg of each code, per language.
var texts = map[string][2]string{ // [en, vi]
	codeInvalid:        {"Invalid parameter", "Tham số không hợp lệ"},
	codeBadClient:      {"Invalid App Key or App Secret", "App Key hoặc App Secret không hợp lệ"},
	codeUnauthorised:   {"Unauthorised", "Chưa được xác thực"},
	codeForbidden:      {"Forbidden", "Không có quyền thực hiện"},
	codeNotFound:       {"Not found", "Không tìm thấy"},
	codeMethod:         {"Method not allowed", "Phương thức không được hỗ trợ"},
	codeConflict:       {"The order status does not allow this change", "Trạng thái đơn hàng không cho phép thay đổi này"},
	codeRequestIDReuse: {"KS-Client-Request-Id was already used for a different request", "KS-Client-Request-Id đã được dùng cho một yêu cầu khác"},
	codeInProgress:     {"A request with this KS-Client-Request-Id is still in progress", "Yêu cầu với KS-Client-Request-Id này vẫn đang được xử lý"},
	codeAmbiguous:      {"The order_id names more than one order; send the id orderhub answered for the order", "order_id trỏ tới nhiều hơn một đơn hàng; hãy gửi mã đơn mà orderhub đã trả về"},
	codeInternal:       {"Internal server error", "Lỗi máy chủ nội bộ"},
	codeUnavailable:    {"Service temporarily unavailable, please try again later", "Dịch vụ tạm thời không khả dụng, vui lòng thử lại sau"},
	codeTooLarge:       {"Request body too large", "Nội dung yêu cầu quá lớn"},
	codeRateLimited:    {"Too many requests, please retry later", "Quá nhiều yêu cầu, vui lòng thử lại sau"},
}

// text is the message of a code in a language (English when unknown).
func text(code, lang string) string { return pick(texts[code], lang) }

// msgAmbiguousNamed is a 40904's error_msg when the service named the
// orders: "{orders}" stands for them ("E6HP27YM (hub), GXTCRQ9G
// (tableorder)"), so that the client can tell which order it meant.
var msgAmbiguousNamed = [2]string{
	"The order_id names more than one order: {orders}; send the id orderhub answered for the order",
	"order_id trỏ tới nhiều hơn một đơn hàng: {orders}; hãy gửi mã đơn mà orderhub đã trả về",
}

// ambiguousMessage is a 40904's error_msg naming the orders the service's
// error names (hub.AmbiguousOrderNames); the bare text when it names none.
func ambiguousMessage(err error, lang string) string {
	names := hub.AmbiguousOrderNames(err)
	if len(names) == 0 {
		return text(codeAmbiguous, lang)
	}
	return strings.ReplaceAll(pick(msgAmbiguousNamed, lang), "{orders}", strings.Join(names, ", "))
}

// msgNoSuchItem is a batch row's error_msg for a product the client's
// store does not have (the seed's example text).
var msgNoSuchItem = [2]string{"No such item", "Không có sản phẩm này"}

// pick is a text in a language: [en, vi], English when unknown.
func pick(t [2]string, lang string) string {
	if lang == langVI {
		return t[1]
	}
	return t[0]
}

// details say what is wrong with a field, per kind: [en, vi]; "{arg}"
// stands for the problem's arg. A kind without one (and kindService
// without an English text) is detailInvalid.
var details = map[problemKind][2]string{
	kindRequired: {"is required", "là bắt buộc"},
	kindInteger:  {"must be an integer", "phải là số nguyên"},
	kindString:   {"must be a string", "phải là chuỗi ký tự"},
	kindObject:   {"must be an object", "phải là đối tượng JSON"},
	kindArray:    {"must be an array", "phải là mảng"},
	kindFlag:     {"must be 0 or 1", "phải là 0 hoặc 1"},
	kindOneOf:    {"must be one of {arg}", "phải là một trong các giá trị {arg}"},
	kindAmount:   {`must be a non-negative decimal amount such as "45.40"`, `phải là số tiền thập phân không âm, ví dụ "45.40"`},
	kindDate:     {"must be a date YYYY-MM-DD", "phải là ngày theo định dạng YYYY-MM-DD"},
	kindTime: {"must be a time such as 2004-05-03T17:30:08+07:00 or 2021-03-22 17:00:00",
		"phải là thời gian, ví dụ 2004-05-03T17:30:08+07:00 hoặc 2021-03-22 17:00:00"},
	kindLocation: {"is not a location of this store", "không phải là địa điểm của cửa hàng này"},
	kindJSON:     {"is not valid JSON", "không phải là JSON hợp lệ"},
	kindPositive: {"must be a positive integer", "phải là số nguyên dương"},
	kindTooMany:  {"must have at most {arg} items", "chỉ được có tối đa {arg} phần tử"},
	kindTooLong:  {"must be at most {arg} characters", "chỉ được dài tối đa {arg} ký tự"},
}

var detailInvalid = [2]string{"is invalid", "không hợp lệ"}

// detail says what is wrong with a field, in a language.
func (p *problem) detail(lang string) string {
	switch p.kind {
	case kindDecimals:
		n := strconv.Itoa(hub.CurrencyExponent(p.arg))
		return pick([2]string{"must have at most " + n + " decimal places in " + p.arg,
			"chỉ được có tối đa " + n + " chữ số thập phân với " + p.arg}, lang)
	case kindService:
		if p.en != "" {
			return pick([2]string{p.en, "có giá trị không hợp lệ"}, lang)
		}
	}
	t, ok := details[p.kind]
	if !ok {
		t = detailInvalid
	}
	return strings.ReplaceAll(pick(t, lang), "{arg}", p.arg)
}

// message is the error_msg of a 40001: "Invalid parameter: <field> <detail>".
func (p *problem) message(lang string) string {
	base := text(codeInvalid, lang)
	if p == nil || p.field == "" {
		return base
	}
	return base + ": " + strings.TrimSpace(p.field+" "+p.detail(lang))
}
