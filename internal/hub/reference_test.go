package hub

import (
	"fmt"
	"testing"
)

func TestResolveOrderRef(t *testing.T) {
	hubOrder := Order{ID: 1, Number: "FR9TL74P", Channel: ChannelHub, ExternalRef: "EXT-1"}
	qrByNumber := Order{ID: 2, Number: "K2M4P7QR", Channel: ChannelTableOrder, ExternalRef: "FR9TL74P"}
	qrByExt := Order{ID: 3, Number: "ZZZZ2222", Channel: ChannelTableOrder, ExternalRef: "EXT-1"}
	jb := Order{ID: 4, Number: "JB000004", Channel: ChannelJunglebook, ExternalRef: "OA-1", ChannelRef: "1525145229154"}
	bot := Order{ID: 5, Number: "B0TB0T55", Channel: ChannelKakao, ExternalRef: "bot-1"}
	botTwin := Order{ID: 6, Number: "KKKK6666", Channel: ChannelTableOrder, ExternalRef: "B0TB0T55"}
	for _, c := range []struct {
		name       string
		door       Channel
		ref        string
		candidates []Order
		want       int64  // 0: an error
		reason     Reason // of the error
		notFound   bool
	}{
		{"nothing", ChannelOmni, "NOPE", nil, 0, "", true},
		{"the one candidate", ChannelOmni, "FR9TL74P", []Order{hubOrder}, 1, "", false},
		{"a hub number and a QR id alike: ambiguous for the POS", ChannelOmni, "FR9TL74P", []Order{hubOrder, qrByNumber}, 0, ReasonAmbiguousReference, false},
		{"the QR door knows its own id first", ChannelTableOrder, "FR9TL74P", []Order{hubOrder, qrByNumber}, 2, "", false},
		{"the hub door knows its own order's number", ChannelHub, "FR9TL74P", []Order{hubOrder, qrByNumber}, 1, "", false},
		{"two channels' ids alike: ambiguous for the POS", ChannelOmni, "EXT-1", []Order{hubOrder, qrByExt}, 0, ReasonAmbiguousReference, false},
		{"each door finds its own", ChannelHub, "EXT-1", []Order{hubOrder, qrByExt}, 1, "", false},
		{"each door finds its own (QR)", ChannelTableOrder, "EXT-1", []Order{hubOrder, qrByExt}, 3, "", false},
		{"the answered id", ChannelJunglebook, "1525145229154", []Order{jb}, 4, "", false},
		{"the bot's number beats another channel's id equal to it", ChannelKakao, "B0TB0T55", []Order{bot, botTwin}, 5, "", false},
		{"the bot's own id", ChannelKakao, "bot-1", []Order{bot}, 5, "", false},
		{"a door with no order of its own, one candidate", ChannelZeek, "OA-1", []Order{jb}, 4, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ResolveOrderRef(c.door, c.ref, c.candidates)
			switch {
			case c.want != 0:
				if err != nil || got.ID != c.want {
					t.Fatalf("got %v, %v; want order %d", got, err, c.want)
				}
			case c.notFound:
				if ErrorCode(err) != CodeNotFound {
					t.Fatalf("got %v, %v; want not found", got, err)
				}
			default:
				if ErrorCode(err) != CodeConflict || ErrorReason(err) != c.reason {
					t.Fatalf("got %v, %v; want conflict %s", got, err, c.reason)
				}
				e := AsError(err)
				if names, _ := e.Details["orders"].([]string); len(names) != 2 {
					t.Fatalf("the error names %v, want both orders", e.Details["orders"])
				}
			}
		})
	}
}

// TestAmbiguousOrderNames: the names a renderer words its own message
// with, oldest first, whatever order the candidates came in; nothing for
// any other error.
func TestAmbiguousOrderNames(t *testing.T) {
	hubOrder := Order{ID: 1, Number: "E6HP27YM", Channel: ChannelHub, ExternalRef: "FR9TL74P"}
	qr := Order{ID: 2, Number: "GXTCRQ9G", Channel: ChannelTableOrder, ExternalRef: "FR9TL74P"}
	_, err := ResolveOrderRef(ChannelZeek, "FR9TL74P", []Order{qr, hubOrder})
	if got, want := fmt.Sprint(AmbiguousOrderNames(err)), "[E6HP27YM (hub) GXTCRQ9G (tableorder)]"; got != want {
		t.Fatalf("AmbiguousOrderNames = %s, want %s (%v)", got, want, err)
	}
	if names := AmbiguousOrderNames(NotFound("order not found")); names != nil {
		t.Fatalf("a not found names %v", names)
	}
	if names := AmbiguousOrderNames(nil); names != nil {
		t.Fatalf("nil names %v", names)
	}
}
