package hub

import "testing"

func TestDeliveryFeeFor(t *testing.T) {
	for _, c := range []struct{ goods, fee, freeFrom, want int64 }{
		{5100, 2500, 0, 2500},
		{5100, 2500, 5100, 0},
		{5099, 2500, 5100, 2500},
		{5100, 0, 0, 0},
		{5100, -1, 0, 0},
	} {
		if got := DeliveryFeeFor(c.goods, c.fee, c.freeFrom); got != c.want {
			t.Errorf("DeliveryFeeFor(%d, %d, %d) = %d, want %d", c.goods, c.fee, c.freeFrom, got, c.want)
		}
	}
}
