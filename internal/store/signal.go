package store

import "sync"

// Topic says what a committed unit of work wrote, for wake-ups.
type Topic uint8

const (
	// TopicEvents: outbox events were written (the dispatcher and live
	// views have something new).
	TopicEvents Topic = 1 << iota
	// TopicDeliveries: deliveries were created or replayed (the delivery
	// loop has something new).
	TopicDeliveries
	// TopicDispatched: events were given their dispatch sequence (readers
	// of the outbox by seq have something new).
	TopicDispatched
	// TopicConfig: the configuration version moved (see ConfigVersion).
	TopicConfig
)

// Signals fans commit wake-ups out to subscribers. A subscriber's channel
// holds at most one pending wake-up, so a burst of commits costs a reader
// one read, and a slow reader never holds a writer up. Wake-ups are hints:
// the reader still reads the database (and polls as a fallback), so a lost
// or spurious one only costs time.
type Signals struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
}

type subscription struct {
	topic Topic
	ch    chan struct{}
}

// Subscribe returns a channel that receives after each commit that wrote
// topic, and the function that ends the subscription.
func (s *Signals) Subscribe(topic Topic) (<-chan struct{}, func()) {
	sub := &subscription{topic: topic, ch: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.subs == nil {
		s.subs = map[*subscription]struct{}{}
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub.ch, func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}
}

// Notify wakes the subscribers of any of topics.
func (s *Signals) Notify(topics Topic) {
	if topics == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		if sub.topic&topics == 0 {
			continue
		}
		select {
		case sub.ch <- struct{}{}:
		default:
		}
	}
}
