package hub

import (
	"sort"
	"strings"
)

// ReasonAmbiguousReference: a reference names more than one order.
const ReasonAmbiguousReference Reason = "ambiguous_reference"

// ResolveOrderRef decides which order a door means by ref (DESIGN.md §10,
// "References without ambiguity"). candidates are every order of the brand
// that ref could name: its hub number, the id its own channel gave it
// (ExternalRef), the id orderhub answered that channel (ChannelRef), and,
// on /hub/v1 only, its hub id. In order:
//
//  1. an order of the door's own channel whose channel id or answered id
//     is ref (a door knows its own ids first);
//  2. an order of the door's own channel whose hub number is ref (the id
//     orderhub answered a door that uses the number, like the bot);
//  3. the only candidate there is.
//
// When the step that decides finds more than one order, the answer is a
// conflict (ReasonAmbiguousReference) that names them, never a guess; no
// candidate is not found.
func ResolveOrderRef(door Channel, ref string, candidates []Order) (*Order, error) {
	var byOwnID, byOwnNumber []*Order
	for i := range candidates {
		o := &candidates[i]
		if o.Channel != door {
			continue
		}
		switch {
		case o.ExternalRef == ref || o.ChannelRef == ref:
			byOwnID = append(byOwnID, o)
		case o.Number == ref:
			byOwnNumber = append(byOwnNumber, o)
		}
	}
	for _, step := range [][]*Order{byOwnID, byOwnNumber} {
		switch len(step) {
		case 0:
			continue
		case 1:
			return step[0], nil
		}
		return nil, ambiguous(ref, step)
	}
	switch len(candidates) {
	case 0:
		return nil, NotFound("order not found")
	case 1:
		return &candidates[0], nil
	}
	all := make([]*Order, len(candidates))
	for i := range candidates {
		all[i] = &candidates[i]
	}
	return nil, ambiguous(ref, all)
}

// ambiguous names the orders a reference could mean, by number and
// channel ("FR9TL74P (hub), K2M4P7QR (tableorder)"), oldest first. Its
// Details carry them for renderers that word the message themselves:
// "orders" the numbers, "order_names" the names as the message gives them
// (AmbiguousOrderNames).
func ambiguous(ref string, os []*Order) error {
	sort.Slice(os, func(i, j int) bool { return os[i].ID < os[j].ID })
	names := make([]string, len(os))
	numbers := make([]string, len(os))
	for i, o := range os {
		names[i] = o.Number + " (" + string(o.Channel) + ")"
		numbers[i] = o.Number
	}
	return Conflict(ReasonAmbiguousReference, "reference %q names more than one order: %s; orderhub guesses none: send a reference only one of them has",
		ref, strings.Join(names, ", ")).WithDetail("orders", numbers).WithDetail("order_names", names)
}

// AmbiguousOrderNames are the orders an ambiguous reference could mean
// ("FR9TL74P (hub)", oldest first); nil for any other error.
func AmbiguousOrderNames(err error) []string {
	if err == nil || ErrorReason(err) != ReasonAmbiguousReference {
		return nil
	}
	names, _ := AsError(err).Details["order_names"].([]string)
	return names
}
