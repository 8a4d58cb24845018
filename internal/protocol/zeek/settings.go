package zeek

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// Keys of hub.PartnerSettings.Extra that a zeek partner reads; any other key
// is refused when the partner is saved.
const (
	// KeyRegion is the KS-Region code (SGN, HKG, BKK, SIN) whose zone the
	// partner's times are rendered in.
	KeyRegion = "region"
	// KeyTimezone is an IANA zone, used when no region is set.
	KeyTimezone = "timezone"
	// KeyMinimumPurchase is the callback's minimum_purchase: a decimal
	// string in the brand's currency ("50000", "10.50"), or a number.
	KeyMinimumPurchase = "minimum_purchase"
	// KeyStatusCodes replaces the status code table: {"5": "complete",
	// "3": "ready"}, codes to hub actions.
	KeyStatusCodes = "status_codes"
)

// DefaultStatusCodes is the seed's table: 5 = "Order is completed (Pickup
// by customer)". The seed says the codes "will be confirmed later", so a
// partner's Settings.Extra["status_codes"] (e.g. {"5": "complete", "3":
// "ready"}) replaces it; values are hub actions (confirm, prepare, ready,
// complete, cancel).
var DefaultStatusCodes = map[int64]hub.Action{5: hub.ActionComplete}

// Every reader below is the check the service runs when the partner is
// saved (checkSettings) and the reading at use: a value that was refused
// cannot be stored, so at use the readers' errors only concern settings
// stored before that check, and they then keep the old lenient reading
// (an unreadable value counts as unset, a bad status code entry is
// skipped).

// checkSettings is Protocol.Settings.
func checkSettings(sc service.PartnerScope) error {
	s := sc.Partner.Settings
	if err := s.ExtraKnown(KeyMinimumPurchase, KeyRegion, KeyStatusCodes, KeyTimezone); err != nil {
		return err
	}
	if _, err := zone(s); err != nil {
		return err
	}
	if _, err := minimumPurchase(s, sc.Brand.Currency); err != nil {
		return err
	}
	_, err := statusCodes(s)
	return err
}

// PartnerZone is the zone a partner's times are rendered in:
// Settings.Extra["region"] (a KS-Region code: SGN, HKG, BKK, SIN), else
// Settings.Extra["timezone"] (an IANA zone), else GMT+8 (the seed's
// default).
func PartnerZone(s hub.PartnerSettings) *time.Location {
	z, _ := zone(s)
	return z
}

// zone is PartnerZone with the first setting it could not read.
func zone(s hub.PartnerSettings) (*time.Location, error) {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	code, err := s.ExtraString(KeyRegion)
	keep(err)
	if code != "" {
		if z, ok := RegionZone(code); ok {
			return z, first
		}
		keep(hub.Invalid(hub.ExtraField(KeyRegion), "must be one of %s", strings.Join(regionCodes(), ", ")))
	}
	name, err := s.ExtraString(KeyTimezone)
	keep(err)
	if name != "" {
		z, err := time.LoadLocation(name)
		if err == nil {
			return z, first
		}
		keep(hub.Invalid(hub.ExtraField(KeyTimezone), "is not an IANA time zone"))
	}
	return DefaultZone, first
}

// regionCodes are the KS-Region codes, sorted.
func regionCodes() []string {
	codes := make([]string, 0, len(regions))
	for c := range regions {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// minimumPurchase is Settings.Extra["minimum_purchase"] in minor units of
// currency (a decimal string such as "50000" or "10.50"; a JSON number is
// read by its shortest decimal form); 0 when unset.
func minimumPurchase(s hub.PartnerSettings, currency string) (int64, error) {
	var text string
	switch v := s.Extra[KeyMinimumPurchase].(type) {
	case nil:
		return 0, nil
	case string:
		text = v
	case float64:
		text = strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		text = v.String()
	case int:
		text = strconv.Itoa(v)
	case int64:
		text = strconv.FormatInt(v, 10)
	}
	n, err := hub.ParseAmount(text, currency)
	if err != nil || n < 0 {
		return 0, hub.Invalid(hub.ExtraField(KeyMinimumPurchase), "must be a non-negative amount in %s, as a decimal string", currency)
	}
	return n, nil
}

// StatusCodes returns a partner's status code table: its configured one
// when it has a usable entry, else DefaultStatusCodes.
func StatusCodes(s hub.PartnerSettings) map[int64]hub.Action {
	table, _ := statusCodes(s)
	if len(table) == 0 {
		return DefaultStatusCodes
	}
	return table
}

// statusCodes reads the configured table: its usable entries, and the
// first entry (in key order) whose code is not an integer or whose action
// is unknown.
func statusCodes(s hub.PartnerSettings) (map[int64]hub.Action, error) {
	v, ok := s.Extra[KeyStatusCodes]
	if !ok || v == nil {
		return nil, nil
	}
	raw, ok := v.(map[string]any)
	if !ok {
		return nil, hub.Invalid(hub.ExtraField(KeyStatusCodes), `must be an object of status codes to actions, e.g. {"5": "complete"}`)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var first error
	table := map[int64]hub.Action{}
	for _, k := range keys {
		code, err := strconv.ParseInt(strings.TrimSpace(k), 10, 64)
		name, _ := raw[k].(string)
		a, ok := hub.ParseAction(name)
		switch {
		case err != nil:
			if first == nil {
				first = hub.Invalid(hub.ExtraField(KeyStatusCodes)+"."+k, "is not an integer status code")
			}
		case !ok:
			if first == nil {
				first = hub.Invalid(hub.ExtraField(KeyStatusCodes)+"."+k, "must be confirm, prepare, ready, complete or cancel")
			}
		default:
			table[code] = a
		}
	}
	return table, first
}
