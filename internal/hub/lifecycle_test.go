package hub

import (
	"fmt"
	"strings"
	"testing"
)

var (
	allStatuses = []Status{StatusNew, StatusConfirmed, StatusPreparing, StatusReady, StatusCompleted, StatusCancelled}
	allActions  = []Action{ActionConfirm, ActionPrepare, ActionReady, ActionComplete, ActionCancel}
	allRoles    = []Role{RoleStore, RoleCustomer}
)

// outcome is what Transition must answer: a new status, or an error.
type outcome struct {
	to  Status
	err *wantErr
}

func to(s Status) outcome { return outcome{to: s} }

var (
	forbidden        = outcome{err: &wantErr{code: CodeForbidden}}
	alreadyCompleted = outcome{err: &wantErr{code: CodeConflict, reason: ReasonAlreadyCompleted}}
	alreadyCancelled = outcome{err: &wantErr{code: CodeConflict, reason: ReasonAlreadyCancelled}}
	alreadyIn        = outcome{err: &wantErr{code: CodeConflict, reason: ReasonAlreadyInStatus}}
	notFromHere      = outcome{err: &wantErr{code: CodeConflict, reason: ReasonInvalidTransition}}
	cookingStarted   = outcome{err: &wantErr{code: CodeConflict, reason: ReasonCookingStarted}}
)

// lifecycle is DESIGN.md §3 written out by hand, one cell per role, status
// and action:
//
//	CONFIRMED  from NEW                         store
//	PREPARING  from NEW, CONFIRMED              store
//	READY      from PREPARING, CONFIRMED        store
//	COMPLETED  from any non-final               store
//	CANCELLED  from NEW, CONFIRMED              anyone
//	           from PREPARING, READY            store only (customers: cooking started)
//	COMPLETED and CANCELLED are final.
var lifecycle = map[Role]map[Status]map[Action]outcome{
	RoleStore: {
		StatusNew: {
			ActionConfirm:  to(StatusConfirmed),
			ActionPrepare:  to(StatusPreparing),
			ActionReady:    notFromHere,
			ActionComplete: to(StatusCompleted),
			ActionCancel:   to(StatusCancelled),
		},
		StatusConfirmed: {
			ActionConfirm:  alreadyIn,
			ActionPrepare:  to(StatusPreparing),
			ActionReady:    to(StatusReady),
			ActionComplete: to(StatusCompleted),
			ActionCancel:   to(StatusCancelled),
		},
		StatusPreparing: {
			ActionConfirm:  notFromHere,
			ActionPrepare:  alreadyIn,
			ActionReady:    to(StatusReady),
			ActionComplete: to(StatusCompleted),
			ActionCancel:   to(StatusCancelled),
		},
		StatusReady: {
			ActionConfirm:  notFromHere,
			ActionPrepare:  notFromHere,
			ActionReady:    alreadyIn,
			ActionComplete: to(StatusCompleted),
			ActionCancel:   to(StatusCancelled),
		},
		StatusCompleted: {
			ActionConfirm:  alreadyCompleted,
			ActionPrepare:  alreadyCompleted,
			ActionReady:    alreadyCompleted,
			ActionComplete: alreadyCompleted,
			ActionCancel:   alreadyCompleted,
		},
		StatusCancelled: {
			ActionConfirm:  alreadyCancelled,
			ActionPrepare:  alreadyCancelled,
			ActionReady:    alreadyCancelled,
			ActionComplete: alreadyCancelled,
			ActionCancel:   alreadyCancelled,
		},
	},
	RoleCustomer: {
		StatusNew: {
			ActionConfirm:  forbidden,
			ActionPrepare:  forbidden,
			ActionReady:    forbidden,
			ActionComplete: forbidden,
			ActionCancel:   to(StatusCancelled),
		},
		StatusConfirmed: {
			ActionConfirm:  forbidden,
			ActionPrepare:  forbidden,
			ActionReady:    forbidden,
			ActionComplete: forbidden,
			ActionCancel:   to(StatusCancelled),
		},
		StatusPreparing: {
			ActionConfirm:  forbidden,
			ActionPrepare:  forbidden,
			ActionReady:    forbidden,
			ActionComplete: forbidden,
			ActionCancel:   cookingStarted,
		},
		StatusReady: {
			ActionConfirm:  forbidden,
			ActionPrepare:  forbidden,
			ActionReady:    forbidden,
			ActionComplete: forbidden,
			ActionCancel:   cookingStarted,
		},
		StatusCompleted: {
			ActionConfirm:  alreadyCompleted,
			ActionPrepare:  alreadyCompleted,
			ActionReady:    alreadyCompleted,
			ActionComplete: alreadyCompleted,
			ActionCancel:   alreadyCompleted,
		},
		StatusCancelled: {
			ActionConfirm:  alreadyCancelled,
			ActionPrepare:  alreadyCancelled,
			ActionReady:    alreadyCancelled,
			ActionComplete: alreadyCancelled,
			ActionCancel:   alreadyCancelled,
		},
	},
}

func TestTransitionTable(t *testing.T) {
	for _, role := range allRoles {
		for _, from := range allStatuses {
			for _, action := range allActions {
				want, ok := lifecycle[role][from][action]
				if !ok {
					t.Fatalf("the expected table has no cell for %s %s %s", role, action, from)
				}
				t.Run(fmt.Sprintf("%s/%s/%s", role, action, from), func(t *testing.T) {
					got, err := Transition(from, action, Actor{Role: role, Name: "test"})
					checkErr(t, err, want.err)
					if got != want.to {
						t.Errorf("Transition(%s, %s, %s) = %s, want %s", from, action, role, got, want.to)
					}
				})
			}
		}
	}
}

func TestTransitionOddInputs(t *testing.T) {
	tests := []struct {
		name   string
		from   Status
		action Action
		actor  Actor
		want   outcome
	}{
		{"unknown action", StatusNew, "eat", Actor{Role: RoleStore}, outcome{err: invalidAt("action")}},
		{"empty action", StatusNew, "", Actor{Role: RoleStore}, outcome{err: invalidAt("action")}},
		{"unknown action on a final order", StatusCompleted, "eat", Actor{Role: RoleStore}, outcome{err: invalidAt("action")}},
		{"no role is not the store", StatusNew, ActionConfirm, Actor{}, forbidden},
		{"no role may cancel a new order", StatusNew, ActionCancel, Actor{}, to(StatusCancelled)},
		{"no role cannot cancel while cooking", StatusPreparing, ActionCancel, Actor{}, cookingStarted},
		{"unknown role is not the store", StatusConfirmed, ActionReady, Actor{Role: "admin"}, forbidden},
		{"unknown status", Status(99), ActionConfirm, Actor{Role: RoleStore}, notFromHere},
		{"zero status", Status(0), ActionCancel, Actor{Role: RoleStore}, notFromHere},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Transition(tt.from, tt.action, tt.actor)
			checkErr(t, err, tt.want.err)
			if got != tt.want.to {
				t.Errorf("got %s, want %s", got, tt.want.to)
			}
		})
	}
}

func TestCanMarkPaid(t *testing.T) {
	tests := []struct {
		name    string
		status  Status
		payment PaymentStatus
		want    *wantErr
	}{
		{"new unpaid", StatusNew, PaymentUnpaid, nil},
		{"confirmed unpaid", StatusConfirmed, PaymentUnpaid, nil},
		{"ready unpaid", StatusReady, PaymentUnpaid, nil},
		{"completed unpaid (Omni complete pays)", StatusCompleted, PaymentUnpaid, nil},
		{"new, payment status unset", StatusNew, 0, nil},
		{"already paid", StatusNew, PaymentPaid, &wantErr{code: CodeConflict, reason: ReasonAlreadyPaid}},
		{"completed and paid", StatusCompleted, PaymentPaid, &wantErr{code: CodeConflict, reason: ReasonAlreadyPaid}},
		{"cancelled", StatusCancelled, PaymentUnpaid, &wantErr{code: CodeConflict, reason: ReasonAlreadyCancelled}},
		{"cancelled after paying", StatusCancelled, PaymentPaid, &wantErr{code: CodeConflict, reason: ReasonAlreadyCancelled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CanMarkPaid(&Order{Status: tt.status, PaymentStatus: tt.payment}), tt.want)
		})
	}
}

func TestStatusEvent(t *testing.T) {
	tests := []struct {
		status Status
		want   EventType
	}{
		{StatusNew, "order.created"},
		{StatusConfirmed, "order.confirmed"},
		{StatusPreparing, "order.preparing"},
		{StatusReady, "order.ready"},
		{StatusCompleted, "order.completed"},
		{StatusCancelled, "order.cancelled"},
	}
	for _, tt := range tests {
		if got := StatusEvent(tt.status); got != tt.want {
			t.Errorf("StatusEvent(%s) = %q, want %q", tt.status, got, tt.want)
		}
	}
	want := []EventType{"order.created", "order.confirmed", "order.preparing", "order.ready",
		"order.completed", "order.cancelled", "order.paid", "product.updated", "stock.changed",
		"product.snoozed", "product.unsnoozed", "location.status_changed"}
	if fmt.Sprint(EventTypes) != fmt.Sprint(want) {
		t.Errorf("EventTypes = %v, want DESIGN.md §5's and §9's %v", EventTypes, want)
	}
}

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want Action
		ok   bool
	}{
		{"confirm", ActionConfirm, true},
		{"prepare", ActionPrepare, true},
		{"ready", ActionReady, true},
		{"complete", ActionComplete, true},
		{"cancel", ActionCancel, true},
		{" Cancel ", ActionCancel, true},
		{"COMPLETE", ActionComplete, true},
		{"completed", "", false},
		{"pay", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseAction(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAction(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStatusNames(t *testing.T) {
	tests := []struct {
		status Status
		code   int
		name   string
		final  bool
	}{
		{StatusNew, 1, "new", false},
		{StatusConfirmed, 10, "confirmed", false},
		{StatusPreparing, 13, "preparing", false},
		{StatusReady, 16, "ready", false},
		{StatusCompleted, 20, "completed", true},
		{StatusCancelled, 30, "cancelled", true},
	}
	for _, tt := range tests {
		if int(tt.status) != tt.code {
			t.Errorf("%s has code %d, want %d", tt.name, int(tt.status), tt.code)
		}
		if got := tt.status.String(); got != tt.name {
			t.Errorf("Status(%d).String() = %q, want %q", tt.code, got, tt.name)
		}
		if got := tt.status.Final(); got != tt.final {
			t.Errorf("%s.Final() = %v, want %v", tt.name, got, tt.final)
		}
		for _, in := range []string{tt.name, " " + tt.name + " ", strings.ToUpper(tt.name)} {
			if got, ok := ParseStatus(in); !ok || got != tt.status {
				t.Errorf("ParseStatus(%q) = %d, %v", in, got, ok)
			}
		}
	}
	if got := Status(99).String(); got != "unknown" {
		t.Errorf("Status(99).String() = %q", got)
	}
	if _, ok := ParseStatus("complete"); ok {
		t.Errorf("ParseStatus accepted an action name")
	}
	if PaymentUnpaid.String() != "unpaid" || PaymentPaid.String() != "paid" || PaymentUnpaid != 1 || PaymentPaid != 2 {
		t.Errorf("payment statuses: %d %s, %d %s", PaymentUnpaid, PaymentUnpaid, PaymentPaid, PaymentPaid)
	}
}

func TestParseOrderType(t *testing.T) {
	tests := []struct {
		in   string
		want OrderType
		ok   bool
	}{
		{"dine_in", OrderDineIn, true},
		{"DINE_IN", OrderDineIn, true},
		{"dine-in", OrderDineIn, true},
		{"pick_up", OrderPickUp, true},
		{"PICK_UP", OrderPickUp, true},
		{"pickup", OrderPickUp, true},
		{"DELIVERY", OrderDelivery, true},
		{" delivery ", OrderDelivery, true},
		{"takeaway", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseOrderType(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseOrderType(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
