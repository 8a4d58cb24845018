package service_test

import (
	"maps"
	"orderhub/internal/testutil"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// recorder is a service.Metrics that remembers what it heard.
type recorder struct {
	mu          sync.Mutex
	placed      map[hub.Channel]int
	locations   map[int64]int
	refused     map[hub.Reason]int
	transitions map[hub.Status]int
}

func newRecorder() *recorder {
	return &recorder{placed: map[hub.Channel]int{}, locations: map[int64]int{}, refused: map[hub.Reason]int{}, transitions: map[hub.Status]int{}}
}

func (r *recorder) OrderPlaced(c hub.Channel, locationID int64) {
	r.mu.Lock()
	r.placed[c]++
	r.locations[locationID]++
	r.mu.Unlock()
}
func (r *recorder) OrderRefused(err error) {
	r.mu.Lock()
	r.refused[hub.ErrorReason(err)]++
	r.mu.Unlock()
}
func (r *recorder) OrderTransitioned(to hub.Status) { r.mu.Lock(); r.transitions[to]++; r.mu.Unlock() }

func (r *recorder) check(t *testing.T, placed map[hub.Channel]int, refused map[hub.Reason]int, transitions map[hub.Status]int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !maps.Equal(r.placed, placed) {
		t.Errorf("placed = %v, want %v", r.placed, placed)
	}
	if !maps.Equal(r.refused, refused) {
		t.Errorf("refused = %v, want %v", r.refused, refused)
	}
	if !maps.Equal(r.transitions, transitions) {
		t.Errorf("transitions = %v, want %v", r.transitions, transitions)
	}
}

// TestMetricsHook: the service reports an order once it is stored, a
// refusal with its reason, and a transition once it is committed; replays,
// dry runs and refused transitions report nothing (or only the refusal).
func TestMetricsHook(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		rec := newRecorder()
		svc := service.New(f.st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now), service.WithMetrics(rec))

		in := f.coffeeOrder(1)
		in.IdempotencyKey, in.RequestHash = "k1", "h1"
		res, err := svc.PlaceOrder(f.ctx, in)
		f.must(err)
		again, err := svc.PlaceOrder(f.ctx, in) // a replay: not a new order
		f.must(err)
		if !again.Replayed {
			t.Fatal("the second call was not a replay")
		}
		dry := f.coffeeOrder(1)
		dry.DryRun = true
		_, err = svc.PlaceOrder(f.ctx, dry)
		f.must(err)
		dry.Lines[0].ProductRef = "SOLDOUT"
		if _, err := svc.PlaceOrder(f.ctx, dry); err == nil {
			t.Fatal("a dry run of a sold-out product was taken")
		}
		rec.check(t, map[hub.Channel]int{hub.ChannelHub: 1}, map[hub.Reason]int{}, map[hub.Status]int{})
		if want := map[int64]int{res.Order.LocationID: 1}; res.Order.LocationID == 0 || !maps.Equal(rec.locations, want) {
			t.Errorf("locations = %v, want %v", rec.locations, want)
		}

		sold := f.coffeeOrder(1)
		sold.Lines[0].ProductRef = "SOLDOUT"
		_, err = svc.PlaceOrder(f.ctx, sold)
		wantErr(t, err, hub.CodeConflict, hub.ReasonOutOfStock)

		tr := service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID}, OrderRef: res.Order.Number, Action: hub.ActionConfirm, Actor: storeActor}
		_, err = svc.Transition(f.ctx, tr)
		f.must(err)
		if _, err := svc.Transition(f.ctx, tr); err == nil {
			t.Fatal("confirmed twice")
		}
		tr.Action = hub.ActionCancel
		_, err = svc.Transition(f.ctx, tr)
		f.must(err)
		rec.check(t, map[hub.Channel]int{hub.ChannelHub: 1}, map[hub.Reason]int{hub.ReasonOutOfStock: 1},
			map[hub.Status]int{hub.StatusConfirmed: 1, hub.StatusCancelled: 1})

		// Without WithMetrics nothing is needed (the fixture's service).
		f.place(f.coffeeOrder(1))
	})
}
