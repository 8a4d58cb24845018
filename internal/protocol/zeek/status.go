package zeek

import (
	"context"
	"sort"
	"strconv"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// updateStatus is UpdateOrderStatus: the client's POS reports what
// happened to an order (status 5: picked up, so completed), acting as the
// store.
func (h *Handler) updateStatus(ctx context.Context, c *call) answer {
	r := c.reader()
	m := r.body(c.body)
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	ref, _ := r.str(m["order_id"], "order_id", true)
	code, _ := r.integer(m["status"], "status", true)
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	table := StatusCodes(c.partner.Settings)
	action, found := table[code]
	if !found {
		codes := make([]int64, 0, len(table))
		for k := range table {
			codes = append(codes, k)
		}
		sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
		return h.invalid(c, &problem{field: "status", kind: kindOneOf, arg: joinInts(codes)})
	}
	_, err := h.Svc.Transition(ctx, service.TransitionInput{
		Scope:    service.OrderScope{BrandID: c.partner.BrandID, Partner: c.partner},
		OrderRef: ref,
		Action:   action,
		Actor:    h.Svc.Actor(c.partner),
		Note:     "zeek status " + strconv.FormatInt(code, 10),
	})
	if err != nil && !alreadyThere(err, action) {
		return h.serviceError(ctx, c, err, nil)
	}
	return ok(nil)
}

// alreadyThere reports a refusal that only says the order already is
// where the status leads (a repeated pickup report): answered as success.
func alreadyThere(err error, a hub.Action) bool {
	switch hub.ErrorReason(err) {
	case hub.ReasonAlreadyInStatus:
		return true
	case hub.ReasonAlreadyCompleted:
		return a == hub.ActionComplete
	case hub.ReasonAlreadyCancelled:
		return a == hub.ActionCancel
	}
	return false
}
