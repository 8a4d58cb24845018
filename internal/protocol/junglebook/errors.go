package junglebook

import (
	"sort"
	"strconv"
	"strings"

	"orderhub/internal/hub"
)

// The seed's error table, in its order: when a request has several
// faults, the one that comes first here is answered.
const (
	codeRequired         = "001"
	codeInvalid          = "002"
	codeNoAgreement      = "101"
	codeDuplicateItems   = "102"
	codeNotOrderable     = "103"
	codeNoItems          = "104"
	codeDuplicateOrder   = "105"
	codeGoodsNotFound    = "201"
	codeInvalidOption    = "202"
	codeBundle           = "203"
	codeMinQuantity      = "204"
	codeMaxQuantity      = "205"
	codeRunout           = "206"
	codeNotEnoughStock   = "207"
	codeSupplierRestrict = "208"
	// codeOther is ours: failures outside the seed's table (credential
	// scope, an unavailable dependency, internal errors). Its HTTP status
	// is not 200.
	codeOther = "999"
)

var codeOrder = []string{
	codeRequired, codeInvalid, codeNoAgreement, codeDuplicateItems, codeNotOrderable, codeNoItems, codeDuplicateOrder,
	codeGoodsNotFound, codeInvalidOption, codeBundle, codeMinQuantity, codeMaxQuantity, codeRunout, codeNotEnoughStock,
	codeSupplierRestrict,
}

// messages are the seed's error messages.
var messages = map[string]string{
	codeRequired:         "parameter required",
	codeInvalid:          "invalid argument",
	codeNoAgreement:      `must be "1" for checking your purchase`,
	codeDuplicateItems:   "duplicate items are ordered",
	codeNotOrderable:     "items that can not be ordered",
	codeNoItems:          "request order items are not matched",
	codeDuplicateOrder:   "duplicate order",
	codeGoodsNotFound:    "can not found matched goods",
	codeInvalidOption:    "invalid option",
	codeBundle:           "invalid bundle order quantity",
	codeMinQuantity:      "invalid min order quantity",
	codeMaxQuantity:      "invalid max order quantity",
	codeRunout:           "runout",
	codeNotEnoughStock:   "not enough stock",
	codeSupplierRestrict: "items that can not be ordered by request of supplier",
}

// goodsCodes answer with the goods envelope and goodsData.
var goodsCodes = map[string]bool{
	codeInvalidOption: true, codeBundle: true, codeMinQuantity: true, codeMaxQuantity: true,
	codeRunout: true, codeNotEnoughStock: true, codeSupplierRestrict: true,
}

func rank(code string) int {
	for i, c := range codeOrder {
		if c == code {
			return i
		}
	}
	return len(codeOrder)
}

// reasonCodes are the seed's codes of the reasons that need nothing more
// of the error to be placed in its table.
var reasonCodes = map[hub.Reason]string{
	hub.ReasonUnknownProduct:     codeGoodsNotFound,
	hub.ReasonInvalidOption:      codeInvalidOption,
	hub.ReasonBundleSize:         codeBundle,
	hub.ReasonBelowMinimum:       codeMinQuantity,
	hub.ReasonAboveMaximum:       codeMaxQuantity,
	hub.ReasonOutOfStock:         codeRunout,
	hub.ReasonNotEnoughStock:     codeNotEnoughStock,
	hub.ReasonInventoryRejected:  codeNotEnoughStock,
	hub.ReasonSupplierRestricted: codeSupplierRestrict,
}

// codeOf maps a service error onto the seed's table; ok is false for
// errors outside it.
func codeOf(e *hub.Error) (string, bool) {
	switch e.Reason {
	case hub.ReasonNotAvailable:
		if snoozed, _ := e.Details["snoozed"].(bool); snoozed {
			return codeRunout, true // the store took it off its menu: sold out, to the shop
		}
		return codeNotOrderable, true
	case hub.ReasonNotIndividual, hub.ReasonLocationPaused:
		return codeNotOrderable, true
	case hub.ReasonDuplicateOrder:
		if _, ok := e.Details["order"].(*hub.Order); ok {
			return codeDuplicateOrder, true
		}
		return "", false // a clash of generated numbers: internal
	}
	if code, ok := reasonCodes[e.Reason]; ok {
		return code, true
	}
	if e.Code == hub.CodeInvalid {
		return codeInvalid, true
	}
	return "", false
}

// paramOf names the request field of a service error: the item's goodsNo
// for problems of the product, its ea for quantity problems, orderItem
// for the order as a whole.
func paramOf(field string) string {
	i, ok := lineOf(field)
	if !ok {
		return "orderItem"
	}
	if strings.HasSuffix(field, ".quantity") {
		return itemParam(i, "ea")
	}
	return itemParam(i, "goodsNo")
}

// lineOf finds the item index in a service field ("orderItem[2].quantity").
func lineOf(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "orderItem[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil
}

// firstProblem picks the problem the seed's table ranks first; between
// equals, the earlier item.
func firstProblem(probs []*hub.Error) *hub.Error {
	type ranked struct {
		e    *hub.Error
		rank int
		line int
	}
	rs := make([]ranked, 0, len(probs))
	for _, p := range probs {
		code, ok := codeOf(p)
		r := rank(code)
		if !ok {
			r = -1 // outside the table: answered first, as an error
		}
		line, ok := lineOf(p.Field)
		if !ok {
			line = -1
		}
		rs = append(rs, ranked{p, r, line})
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].rank != rs[j].rank {
			return rs[i].rank < rs[j].rank
		}
		return rs[i].line < rs[j].line
	})
	if len(rs) == 0 {
		return nil
	}
	return rs[0].e
}
