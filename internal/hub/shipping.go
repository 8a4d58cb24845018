package hub

// DeliveryFeeFor is the delivery fee of an order whose goods cost
// goodsTotal: fee, waived when freeFrom is positive and goodsTotal reaches
// it (a free-delivery threshold, such as a partner shop's). Amounts are
// minor units; a negative fee counts as none.
func DeliveryFeeFor(goodsTotal, fee, freeFrom int64) int64 {
	if fee <= 0 || (freeFrom > 0 && goodsTotal >= freeFrom) {
		return 0
	}
	return fee
}
