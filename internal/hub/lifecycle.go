package hub

import (
	"strconv"
	"strings"
)

// Action is a lifecycle command.
type Action string

const (
	ActionConfirm  Action = "confirm"
	ActionPrepare  Action = "prepare"
	ActionReady    Action = "ready"
	ActionComplete Action = "complete"
	ActionCancel   Action = "cancel"
)

// ParseAction accepts an action name.
func ParseAction(s string) (Action, bool) {
	a := Action(strings.ToLower(strings.TrimSpace(s)))
	switch a {
	case ActionConfirm, ActionPrepare, ActionReady, ActionComplete, ActionCancel:
		return a, true
	}
	return "", false
}

// Role is what kind of party acts on an order. The store makes the food (POS,
// dashboard, the native API); a customer channel took the order (bot, QR,
// partner shop).
type Role string

const (
	RoleStore    Role = "store"
	RoleCustomer Role = "customer"
)

// Actor names who acts, for the history and for the rules.
type Actor struct {
	Role Role
	// Name identifies the party in the history ("partner:3", "hub:token 2").
	Name string
}

// PartnerActor is the history's name of a partner acting through its
// credential ("partner:3").
func PartnerActor(partnerID int64) string { return "partner:" + strconv.FormatInt(partnerID, 10) }

// target is the status each action leads to.
var target = map[Action]Status{
	ActionConfirm:  StatusConfirmed,
	ActionPrepare:  StatusPreparing,
	ActionReady:    StatusReady,
	ActionComplete: StatusCompleted,
	ActionCancel:   StatusCancelled,
}

// allowedFrom is DESIGN.md §3's table: the statuses each action may start from.
var allowedFrom = map[Action][]Status{
	ActionConfirm:  {StatusNew},
	ActionPrepare:  {StatusNew, StatusConfirmed},
	ActionReady:    {StatusPreparing, StatusConfirmed},
	ActionComplete: {StatusNew, StatusConfirmed, StatusPreparing, StatusReady},
	ActionCancel:   {StatusNew, StatusConfirmed, StatusPreparing, StatusReady},
}

// Transition applies DESIGN.md §3: it returns the status an action leads to
// from the current one, or a conflict whose reason says why not. Only the
// store moves an order forward; a customer channel may only cancel, and only
// before cooking starts.
func Transition(from Status, action Action, actor Actor) (Status, error) {
	to, ok := target[action]
	if !ok {
		return 0, Invalid("action", "unknown action %q", action)
	}
	switch from {
	case StatusCompleted:
		return 0, Conflict(ReasonAlreadyCompleted, "order already completed")
	case StatusCancelled:
		return 0, Conflict(ReasonAlreadyCancelled, "order already cancelled")
	}
	if actor.Role != RoleStore && action != ActionCancel {
		return 0, &Error{Code: CodeForbidden, Message: "only the store may " + string(action) + " an order"}
	}
	if from == to {
		return 0, Conflict(ReasonAlreadyInStatus, "order is already %s", to)
	}
	for _, s := range allowedFrom[action] {
		if s == from {
			if action == ActionCancel && actor.Role != RoleStore && (from == StatusPreparing || from == StatusReady) {
				return 0, Conflict(ReasonCookingStarted, "order cannot be cancelled: cooking has started")
			}
			return to, nil
		}
	}
	return 0, Conflict(ReasonInvalidTransition, "cannot %s an order that is %s", action, from)
}

// CanMarkPaid says whether payment may be recorded: not twice, not on a
// cancelled order.
func CanMarkPaid(o *Order) error {
	if o.Status == StatusCancelled {
		return Conflict(ReasonAlreadyCancelled, "order already cancelled")
	}
	if o.PaymentStatus == PaymentPaid {
		return Conflict(ReasonAlreadyPaid, "order already paid")
	}
	return nil
}

// EventType is an outbound event name (DESIGN.md §5).
type EventType string

const (
	EventOrderCreated   EventType = "order.created"
	EventOrderConfirmed EventType = "order.confirmed"
	EventOrderPreparing EventType = "order.preparing"
	EventOrderReady     EventType = "order.ready"
	EventOrderCompleted EventType = "order.completed"
	EventOrderCancelled EventType = "order.cancelled"
	EventOrderPaid      EventType = "order.paid"
	EventProductUpdated EventType = "product.updated"
	EventStockChanged   EventType = "stock.changed"
	// The store controls (DESIGN.md §9).
	EventProductSnoozed        EventType = "product.snoozed"
	EventProductUnsnoozed      EventType = "product.unsnoozed"
	EventLocationStatusChanged EventType = "location.status_changed"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	EventOrderCreated, EventOrderConfirmed, EventOrderPreparing, EventOrderReady,
	EventOrderCompleted, EventOrderCancelled, EventOrderPaid, EventProductUpdated, EventStockChanged,
	EventProductSnoozed, EventProductUnsnoozed, EventLocationStatusChanged,
}

// StatusEvent is the event a transition into s emits.
func StatusEvent(s Status) EventType {
	switch s {
	case StatusConfirmed:
		return EventOrderConfirmed
	case StatusPreparing:
		return EventOrderPreparing
	case StatusReady:
		return EventOrderReady
	case StatusCompleted:
		return EventOrderCompleted
	case StatusCancelled:
		return EventOrderCancelled
	}
	return EventOrderCreated
}
