// Timeslots: a brand's recurring ordering windows, one document each.

package sqlstore

import (
	"context"
	"encoding/json"

	"orderhub/internal/hub"
)

func (s *Queries) PutTimeslot(ctx context.Context, t *hub.Timeslot) error {
	s.configChanged()
	doc, err := marshal(t)
	if err != nil {
		return hub.Internal(err, "encode timeslot")
	}
	_, err = s.exec(ctx, `INSERT INTO timeslots (brand_id, id, doc) VALUES (?, ?, ?)
		ON CONFLICT (brand_id, id) DO UPDATE SET doc = excluded.doc`, t.BrandID, t.ID, doc)
	return s.wrap(err, "timeslot")
}

func (s *Queries) ListTimeslots(ctx context.Context, brandID int64) ([]hub.Timeslot, error) {
	rows, err := s.query(ctx, `SELECT doc FROM timeslots WHERE brand_id = ? ORDER BY id`, brandID)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*hub.Timeslot, error) {
		var doc string
		var t hub.Timeslot
		if err := sc.Scan(&doc); err != nil {
			return nil, err
		}
		return &t, json.Unmarshal([]byte(doc), &t)
	}, s, "timeslots")
}
