package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// BenchmarkPlaceOrderParallel places orders through the service (catalog
// reads, a stock decrement, the order, its history row and two outbox
// events: one unit of work, one durable commit each) from many goroutines.
// batch=1 turns group commit off, to show what it buys; goroutines is the
// number of concurrent callers (SetParallelism × GOMAXPROCS).
//
//	go test -run x -bench PlaceOrder -benchtime 3s ./internal/store/sqlite/
func BenchmarkPlaceOrderParallel(b *testing.B) {
	for _, batch := range []int{maxBatch, 1} {
		for _, par := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("batch=%d/goroutines=%d", batch, par*runtime.GOMAXPROCS(0)), func(b *testing.B) {
				benchPlaceOrder(b, batch, par)
			})
		}
	}
}

func benchPlaceOrder(b *testing.B, batch, parallelism int) {
	old := batchLimit
	batchLimit = batch
	s, _ := openTest(b)
	batchLimit = old

	ctx := context.Background()
	svc := service.New(s)
	br := &hub.Brand{Name: "Bench", Currency: "KRW", TaxRateBP: 1000}
	must(b, svc.CreateBrand(ctx, br))
	loc := &hub.Location{BrandID: br.ID, Code: "A", Name: "A", Timezone: "Asia/Seoul"}
	must(b, svc.CreateLocation(ctx, loc))
	p := &hub.Product{BrandID: br.ID, RefID: "P1", Name: hub.I18n{"en": "Coffee"}, Price: 4500,
		DeductStock: true, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	must(b, svc.SaveProduct(ctx, p))
	huge := int64(1) << 50
	must(b, svc.SetStock(ctx, br.ID, loc.ID, p.ID, &huge))

	in := service.PlaceOrderInput{BrandID: br.ID, LocationID: loc.ID, Channel: hub.ChannelHub,
		Lines: []service.LineInput{{ProductRef: "P1", Quantity: 1}}}
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.PlaceOrder(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	if q, err := s.GetStock(ctx, loc.ID, p.ID); err != nil || *q != huge-int64(b.N) {
		b.Fatalf("stock %v, %v after %d orders", q, err, b.N)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
