package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
)

// Orders loaded straight into the database, while no orderhub runs on it,
// through the store's own units of work (store.Tx: CreateOrder, AddHistory,
// AddEvent, MarkEventDispatched), so that the rows are exactly the ones
// orderhub writes and no SQL of the schema is repeated here. Each order is
// what placing it through a door stores: priced lines built by hub.BuildLine
// from the catalog, fees by hub.ComputeFees, the door's external ref and
// idempotency key, its history row and its order.created event (the
// canonical payload the service writes). Stock is not taken (there is
// plenty).

// pooledOrder is a loaded order the bench can name.
type pooledOrder struct {
	ID         int64
	Number     string
	LocationID int64
}

// loadSpec says what to load.
type loadSpec struct {
	n int
	// kind: "pool" (NEW orders for the transitions), "backlog" (NEW
	// orders whose order.created events are not yet fanned out), "history"
	// (orders of the last 30 days, mostly finished).
	kind string
	// keep returns the loaded orders (pool, backlog).
	keep bool
}

// loader holds the catalog a load builds orders from.
type loader struct {
	w        *world
	brand    *hub.Brand
	products map[int64]*hub.Product
	run      string
	seq      *atomic.Int64 // numbers, unique across the loads of a run
}

// openStore opens the bench's database in process (no orderhub may be
// running on SQLite).
func openStore(ctx context.Context, dataDir, dbURL string) (store.Store, error) {
	if dbURL != "" {
		return postgres.Open(ctx, dbURL)
	}
	return sqlite.Open(ctx, sqlite.Path(dataDir))
}

func newLoader(ctx context.Context, st store.Store, w *world, run string, seq *atomic.Int64) (*loader, error) {
	b, err := st.GetBrand(ctx, w.brandID)
	if err != nil {
		return nil, err
	}
	ps, err := st.ListProducts(ctx, store.ProductFilter{BrandID: w.brandID})
	if err != nil {
		return nil, err
	}
	l := &loader{w: w, brand: b, products: map[int64]*hub.Product{}, run: run, seq: seq}
	for i := range ps {
		l.products[ps[i].ID] = &ps[i]
	}
	return l, nil
}

// numberAlphabet is the service's (no 0/O, 1/I/L).
const numberAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// number is a hub order number for the n-th loaded order: "Z" and seven
// digits in the number alphabet, so that loaded numbers never repeat
// (random service numbers may start with Z too: a clash is as unlikely as
// between two random ones, and the service retries on one).
func number(n int64) string {
	b := []byte("Z0000000")
	for i := 7; i >= 1; i-- {
		b[i] = numberAlphabet[n%int64(len(numberAlphabet))]
		n /= int64(len(numberAlphabet))
	}
	return string(b)
}

func randomHash() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// order builds the j-th loaded order.
func (l *loader) order(kind string, j int64, now time.Time) (*hub.Order, string, string, error) {
	w := l.w
	n := l.seq.Add(1)
	loc := w.location(j)
	created := now
	status, pay := hub.StatusNew, hub.PaymentUnpaid
	if kind == "history" {
		// Spread over the last 30 days; 90 % completed (paid), 5 %
		// cancelled, 5 % still open.
		created = now.Add(-time.Duration(mix(uint64(n))%(30*24*3600)) * time.Second)
		switch r := mix(uint64(n)+1) % 100; {
		case r < 90:
			status, pay = hub.StatusCompleted, hub.PaymentPaid
		case r < 95:
			status = hub.StatusCancelled
		}
	}
	o := &hub.Order{
		Number: number(n), BrandID: w.brandID, LocationID: loc, Currency: l.brand.Currency,
		Status: status, PaymentStatus: pay, PickupCode: strconv.Itoa(1000 + int(mix(uint64(n))%9000)),
		CreatedAt: created, UpdatedAt: created, Version: 1,
	}
	var idem string
	ref := fmt.Sprintf("%s-%s-%d", kind, l.run, n)
	switch j % 4 {
	case 0: // QR
		o.Channel, o.PartnerID, o.Type, o.Table = hub.ChannelTableOrder, w.qr[loc].ID, hub.OrderDineIn, "T"+strconv.Itoa(int(n%40)+1)
		o.ExternalRef, idem = "qr-"+ref, "uc:uc-"+ref
		o.Attributes = map[string]any{"unique_code": "uc-" + ref}
	case 1: // kakao
		o.Channel, o.PartnerID, o.Type = hub.ChannelKakao, w.kakaoID, hub.OrderPickUp
		o.ExternalRef = "kakao-" + ref
		idem = "bot:" + o.ExternalRef
		o.Customer = hub.Customer{ID: fmt.Sprintf("kakao-user-%d", n%5000), Name: "김민수", Phone: "010-1234-5678"}
		o.PaymentMethod = "kakaopay"
	case 2: // Junglebook
		o.Channel, o.PartnerID, o.Type = hub.ChannelJunglebook, w.junglebook[loc].ID, hub.OrderDelivery
		o.ExternalRef = "jb-" + ref
		o.ChannelRef = strconv.FormatInt(1_000_000_000_000+n, 10)
		o.Customer = hub.Customer{Name: "정글북", Phone: "010-1234-5678"}
		o.Delivery = &hub.Delivery{ReceiverName: "정글북", Phone: "010-1234-5678", Mobile: "010-1234-5678", ZipCode: "12345",
			Address: "경기도 화성시 팔탄면 버들로 1362번길 10-12", Address2: "정글북", Memo: "부재시 경비실에 맡겨주세요!"}
		o.Notes = o.Delivery.Memo
		o.PaymentMethod = "bank_transfer"
		o.Attributes = map[string]any{"oaType": "api", "settleKind": "a", "bankSender": "정글북", "ordNo": o.ChannelRef, "oaOrderNo": o.ExternalRef}
	default: // /hub/v1
		o.Channel, o.Type = hub.ChannelHub, hub.OrderPickUp
		o.ExternalRef = "hub-" + ref
		idem = fmt.Sprintf("brand:%d:hk-%s", w.brandID, ref)
		o.Customer = hub.Customer{Name: "Kim Minsu", Phone: "010-1234-5678"}
		o.PaymentMethod = "card"
	}
	day := created.In(time.UTC).Format(time.DateOnly)
	for k, bl := range w.pickLines(loc, j, 3, j%4 == 0) {
		req := hub.LineRequest{Product: l.products[bl.p.ID], Quantity: bl.qty, Field: "lines[" + strconv.Itoa(k) + "]"}
		if bl.p.Options {
			req.Options = []hub.OptionChoice{{GroupID: 1, ValueID: bl.spice}, {GroupID: 2, ValueID: bl.size}}
		}
		line, _, err := hub.BuildLine(req, day)
		if err != nil {
			return nil, "", "", err
		}
		o.Lines = append(o.Lines, line)
	}
	fees, err := hub.ComputeFees(l.brand, o.Lines, 0, 0)
	if err != nil {
		return nil, "", "", err
	}
	o.Fees = fees
	hash := ""
	if idem != "" {
		hash = randomHash()
	}
	return o, idem, hash, nil
}

// orderEvent is the order.created outbox row the service writes.
func orderEvent(o *hub.Order) (*store.Event, error) {
	payload, err := json.Marshal(map[string]any{
		"version": 1, "type": hub.EventOrderCreated, "created_at": o.CreatedAt.Format(time.RFC3339Nano),
		"data": map[string]any{"order": o},
	})
	if err != nil {
		return nil, err
	}
	return &store.Event{Type: hub.EventOrderCreated, BrandID: o.BrandID, LocationID: o.LocationID, OrderID: o.ID,
		Payload: payload, CreatedAt: o.CreatedAt}, nil
}

// unitSize is how many orders one unit of work (one Update) stores.
const unitSize = 5000

// load stores spec.n orders in units of unitSize, on workers units at a
// time (SQLite has one writer: 1; PostgreSQL: a few), and returns them
// when spec.keep.
func (l *loader) load(ctx context.Context, st store.Store, spec loadSpec, workers int) ([]pooledOrder, error) {
	units := (spec.n + unitSize - 1) / unitSize
	var mu sync.Mutex
	var kept []pooledOrder
	if spec.keep {
		kept = make([]pooledOrder, 0, spec.n)
	}
	err := parallel(ctx, units, workers, func(ctx context.Context, u int) error {
		from, to := u*unitSize, min((u+1)*unitSize, spec.n)
		now := time.Now().UTC()
		var got []pooledOrder
		err := st.Update(ctx, func(tx store.Tx) error {
			got = got[:0]
			var dispatched []int64
			for j := from; j < to; j++ {
				o, idem, hash, err := l.order(spec.kind, int64(j), now)
				if err != nil {
					return err
				}
				if err := tx.CreateOrder(ctx, o, nil, idem, hash); err != nil {
					return err
				}
				if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew,
					Actor: string(o.Channel), CreatedAt: o.CreatedAt}); err != nil {
					return err
				}
				if o.Status != hub.StatusNew {
					action := "complete"
					if o.Status == hub.StatusCancelled {
						action = "cancel"
					}
					if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: action, FromStatus: hub.StatusNew,
						ToStatus: o.Status, Actor: "store", CreatedAt: o.CreatedAt}); err != nil {
						return err
					}
				}
				e, err := orderEvent(o)
				if err != nil {
					return err
				}
				if err := tx.AddEvent(ctx, e); err != nil {
					return err
				}
				if spec.kind != "backlog" {
					dispatched = append(dispatched, e.ID)
				}
				if spec.keep {
					got = append(got, pooledOrder{ID: o.ID, Number: o.Number, LocationID: o.LocationID})
				}
			}
			for len(dispatched) > 0 {
				n := min(len(dispatched), 500)
				if err := tx.MarkEventsDispatched(ctx, dispatched[:n], now); err != nil {
					return err
				}
				dispatched = dispatched[n:]
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("load %s orders %d-%d: %w", spec.kind, from, to, err)
		}
		if spec.keep {
			mu.Lock()
			kept = append(kept, got...)
			mu.Unlock()
		}
		return nil
	})
	return kept, err
}
