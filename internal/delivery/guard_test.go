package delivery_test

import (
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestGuardRefusesLoopbackAtDial: with the outbound guard on (the default
// policy), a delivery to an endpoint on 127.0.0.1 (stored directly, past
// the save-time check, as a URL whose name later resolves there would be)
// is refused at dial time: the attempt is recorded with the reason, and
// no request reaches the receiver.
func TestGuardRefusesLoopbackAtDial(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		env.endpoint(rcv.URL+"/hook", hub.EventOrderCreated)
		env.event(env.brand.ID, 7, hub.EventOrderCreated, 1)
		cfg := fast("guarded")
		cfg.Outbound = netguard.Policy{}
		start(t, st, cfg)

		var ds []store.Delivery
		waitFor(t, 30*time.Second, "an attempt", func() bool {
			ds = env.deliveries(store.DeliveryFilter{})
			return len(ds) == 1 && ds[0].Attempts >= 1
		})
		as := env.attempts(ds[0].ID)
		if len(as) == 0 {
			t.Fatal("no attempt recorded")
		}
		want := "outbound call to 127.0.0.1 refused: a loopback address"
		if a := as[0]; a.StatusCode != 0 || !strings.Contains(a.Error, want) {
			t.Errorf("attempt %+v, want status 0 and an error containing %q", a, want)
		}
		if ds[0].Status == store.DeliveryDelivered {
			t.Errorf("delivery %+v delivered", ds[0])
		}
		if n := len(rcv.Hits()); n != 0 {
			t.Errorf("%d requests reached the receiver", n)
		}
	})
}
