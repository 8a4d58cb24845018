// Package delivery is the event delivery engine of DESIGN.md §5: it turns
// outbox events into deliveries (generic webhooks and partner callbacks)
// and sends them at least once, in order per order, with retries, signing,
// a dead letter and replay. See contract.go for how protocol packages plug
// in.
package delivery
