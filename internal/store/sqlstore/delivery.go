package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The delivery engine's tables (migration 0002): webhook_endpoints,
// deliveries, delivery_attempts, and events.dispatched_at.

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- webhook endpoints ----

const endpointCols = `id, brand_id, url, event_types, secret, previous_secret, previous_secret_expires_at,
	disabled, disabled_reason, disabled_at, failing_since, last_success_at, created_at, updated_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (*store.WebhookEndpoint, error) {
	var e store.WebhookEndpoint
	var types string
	var disabled int
	var prevExp, disabledAt, failing, success sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&e.ID, &e.BrandID, &e.URL, &types, &e.Secret, &e.PreviousSecret, &prevExp,
		&disabled, &e.DisabledReason, &disabledAt, &failing, &success, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return nil, fmt.Errorf("decode webhook endpoint %d event types: %w", e.ID, err)
	}
	e.PreviousSecretExpiresAt = fromNullMicros(prevExp)
	e.Disabled = disabled != 0
	e.DisabledAt, e.FailingSince, e.LastSuccessAt = fromNullMicros(disabledAt), fromNullMicros(failing), fromNullMicros(success)
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &e, nil
}

func (s *Queries) CreateWebhookEndpoint(ctx context.Context, e *store.WebhookEndpoint) error {
	now := nowUTC(s)
	e.CreatedAt, e.UpdatedAt = now, now
	if e.EventTypes == nil {
		e.EventTypes = []hub.EventType{}
	}
	types, err := marshal(e.EventTypes)
	if err != nil {
		return hub.Internal(err, "encode event types")
	}
	e.ID, err = s.insert(ctx, `INSERT INTO webhook_endpoints (brand_id, url, event_types, secret, previous_secret,
		previous_secret_expires_at, disabled, disabled_reason, disabled_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.BrandID, e.URL, types, e.Secret, e.PreviousSecret, nullMicros(e.PreviousSecretExpiresAt),
		boolInt(e.Disabled), e.DisabledReason, nullMicros(e.DisabledAt), micros(now), micros(now))
	return s.wrap(err, "webhook endpoint")
}

func (s *Queries) UpdateWebhookEndpoint(ctx context.Context, e *store.WebhookEndpoint) error {
	e.UpdatedAt = nowUTC(s)
	if e.EventTypes == nil {
		e.EventTypes = []hub.EventType{} // as CreateWebhookEndpoint stores it
	}
	types, err := marshal(e.EventTypes)
	if err != nil {
		return hub.Internal(err, "encode event types")
	}
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET url = ?, event_types = ?, secret = ?, previous_secret = ?,
		previous_secret_expires_at = ?, updated_at = ? WHERE id = ?`,
		e.URL, types, e.Secret, e.PreviousSecret, nullMicros(e.PreviousSecretExpiresAt), micros(e.UpdatedAt), e.ID)
	return s.mustAffect(res, err, "webhook endpoint")
}

func (s *Queries) SetWebhookEndpointDisabled(ctx context.Context, id int64, disabled bool, reason string, at time.Time) error {
	var res sql.Result
	var err error
	if disabled {
		res, err = s.exec(ctx, `UPDATE webhook_endpoints SET disabled = 1, disabled_reason = ?, disabled_at = ?, updated_at = ?
			WHERE id = ?`, reason, micros(at), micros(at), id)
		if err == nil {
			err = s.killPending(ctx, id, "endpoint disabled: "+reason, at)
		}
	} else {
		res, err = s.exec(ctx, `UPDATE webhook_endpoints SET disabled = 0, disabled_reason = '', disabled_at = NULL,
			failing_since = NULL, updated_at = ? WHERE id = ?`, micros(at), id)
	}
	return s.mustAffect(res, err, "webhook endpoint")
}

// killPending turns an endpoint's pending deliveries dead. An attempt in
// flight at that moment records its attempt row but cannot change the
// delivery any more (CompleteAttempt only writes pending deliveries): it
// stays dead, and a replay may send it again — at least once, never lost.
func (s *Queries) killPending(ctx context.Context, endpointID int64, why string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE deliveries SET status = 'dead', last_error = ?, updated_at = ?
		WHERE target_kind = 'webhook' AND target_id = ? AND status = 'pending'`, why, micros(at), endpointID)
	return err
}

func (s *Queries) RecordWebhookEndpointResult(ctx context.Context, id int64, success bool, at time.Time) (*store.WebhookEndpoint, error) {
	var err error
	if success {
		// A healthy endpoint's row is written at most once a minute, not
		// at every delivery (it would be the hottest row of a busy node).
		_, err = s.exec(ctx, `UPDATE webhook_endpoints SET last_success_at = ?, failing_since = NULL
			WHERE id = ? AND (failing_since IS NOT NULL OR last_success_at IS NULL OR last_success_at < ?)`,
			micros(at), id, micros(at.Add(-time.Minute)))
		return nil, s.wrap(err, "webhook endpoint")
	} else {
		_, err = s.exec(ctx, `UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL`, micros(at), id)
	}
	if err != nil {
		return nil, s.wrap(err, "webhook endpoint")
	}
	return s.GetWebhookEndpoint(ctx, id)
}

func (s *Queries) DeleteWebhookEndpoint(ctx context.Context, id int64, at time.Time) error {
	res, err := s.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	if err := s.mustAffect(res, err, "webhook endpoint"); err != nil {
		return err
	}
	return s.wrap(s.killPending(ctx, id, "endpoint deleted", at), "deliveries")
}

func (s *Queries) GetWebhookEndpoint(ctx context.Context, id int64) (*store.WebhookEndpoint, error) {
	return one(ctx, s, scanEndpoint, "webhook endpoint", `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = ?`, id)
}

func (s *Queries) ListWebhookEndpoints(ctx context.Context, brandID int64) ([]store.WebhookEndpoint, error) {
	where, args := brandFilter(brandID)
	rows, err := s.query(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints`+where+` ORDER BY id`, args...)
	return collect(rows, err, scanEndpoint, s, "webhook endpoints")
}

// ---- fan-out ----

func (s *Queries) ClaimUndispatchedEvents(ctx context.Context, limit int) ([]store.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT e.id, e.type, e.brand_id, e.location_id, e.order_id, e.payload, e.created_at, e.seq
		FROM events e
		WHERE e.dispatched_at IS NULL
		  AND (e.order_id = 0 OR NOT EXISTS (SELECT 1 FROM events p
			WHERE p.order_id = e.order_id AND p.id < e.id AND p.dispatched_at IS NULL))
		ORDER BY e.id LIMIT ?`+s.d.SkipLocked, limit)
	return collect(rows, err, scanEvent, s, "events")
}

func (s *Queries) LockDispatch(ctx context.Context) (bool, error) {
	if s.d.TryDispatchLock == "" {
		return true, nil
	}
	var ok bool
	err := s.queryRow(ctx, s.d.TryDispatchLock).Scan(&ok)
	return ok, s.wrap(err, "dispatch lock")
}

func (s *Queries) MarkEventsDispatched(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	s.wrote |= store.TopicDispatched
	// Numbers are handed out under the dispatch lock (taken here if the
	// unit has not taken it yet), so they commit in order.
	if s.d.DispatchLock != "" {
		if _, err := s.exec(ctx, s.d.DispatchLock); err != nil {
			return s.wrap(err, "dispatch lock")
		}
	}
	var last int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq IS NOT NULL`).Scan(&last); err != nil {
		return s.wrap(err, "events")
	}
	var seq strings.Builder
	seq.WriteString("CASE id")
	args := []any{micros(at)}
	for i, id := range ids {
		seq.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
		args = append(args, id, last+int64(i)+1)
	}
	seq.WriteString(" END")
	in, inArgs := inList(ids)
	res, err := s.exec(ctx, `UPDATE events SET dispatched_at = ?, seq = `+seq.String()+` WHERE id IN (`+in+`)`, append(args, inArgs...)...)
	if err != nil {
		return s.wrap(err, "events")
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(ids)) {
		return s.wrap(cmp.Or(err, error(hub.NotFound("event not found"))), "events")
	}
	return nil
}

// ---- deliveries ----

const deliveryCols = `id, event_id, event_type, brand_id, target_kind, target_id, order_id, url, method, content_type,
	body, signing, acceptance, status, attempts, next_attempt_at, retry_from, lease_owner, lease_until,
	last_error, last_status_code, created_at, updated_at, delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }) (*store.Delivery, error) {
	var d store.Delivery
	var typ, kind, status string
	var next, from, created, updated int64
	var lease, delivered sql.NullInt64
	if err := sc.Scan(&d.ID, &d.EventID, &typ, &d.BrandID, &kind, &d.Target.ID, &d.OrderID, &d.URL, &d.Method,
		&d.ContentType, &d.Body, &d.Signing, &d.Acceptance, &status, &d.Attempts, &next, &from, &d.LeaseOwner,
		&lease, &d.LastError, &d.LastStatus, &created, &updated, &delivered); err != nil {
		return nil, err
	}
	d.EventType, d.Target.Kind, d.Status = hub.EventType(typ), store.TargetKind(kind), store.DeliveryStatus(status)
	d.NextAttemptAt, d.RetryFrom = fromMicros(next), fromMicros(from)
	d.LeaseUntil, d.DeliveredAt = fromNullMicros(lease), fromNullMicros(delivered)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, nil
}

func (s *Queries) CreateDelivery(ctx context.Context, d *store.Delivery) error {
	now := nowUTC(s)
	d.CreatedAt, d.UpdatedAt = now, now
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = now
	}
	if d.RetryFrom.IsZero() {
		d.RetryFrom = now
	}
	if d.Status == "" {
		d.Status = store.DeliveryPending
	}
	if d.Body == nil {
		d.Body = []byte{}
	}
	s.wrote |= store.TopicDeliveries
	blocked, err := s.behindPending(ctx, d.Target, d.OrderID)
	if err != nil {
		return err
	}
	d.ID, err = s.insert(ctx, `INSERT INTO deliveries (event_id, event_type, brand_id, target_kind, target_id, order_id,
		url, method, content_type, body, signing, acceptance, status, attempts, next_attempt_at, retry_from,
		last_error, created_at, updated_at, blocked)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.EventID, string(d.EventType), d.BrandID, string(d.Target.Kind), d.Target.ID, d.OrderID,
		d.URL, d.Method, d.ContentType, d.Body, d.Signing, d.Acceptance, string(d.Status), d.Attempts,
		micros(d.NextAttemptAt), micros(d.RetryFrom), d.LastError, micros(now), micros(now), boolInt(blocked))
	return s.wrap(err, "delivery")
}

// behindPending reports whether a new delivery of an order to a target
// must wait behind one still pending (in-order delivery per order and
// target). On PostgreSQL the pending row is locked: a concurrent attempt
// that is finishing it either commits first (then the row is no longer
// pending and the new one is ready) or waits for this unit (then its
// unblock step sees the new row). Either way no delivery stays blocked
// behind nothing.
func (s *Queries) behindPending(ctx context.Context, t store.Target, orderID int64) (bool, error) {
	if orderID == 0 {
		return false, nil
	}
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM deliveries WHERE target_kind = ? AND target_id = ? AND order_id = ?
		AND status = 'pending' LIMIT 1`+s.d.ForUpdate, string(t.Kind), t.ID, orderID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.wrap(err, "deliveries")
}

// unblockNext makes the next pending delivery of an order to a target
// ready, once the one before it has left pending.
func (s *Queries) unblockNext(ctx context.Context, t store.Target, orderID int64) error {
	if orderID == 0 {
		return nil
	}
	_, err := s.exec(ctx, `UPDATE deliveries SET blocked = 0 WHERE id = (SELECT MIN(id) FROM deliveries
		WHERE target_kind = ? AND target_id = ? AND order_id = ? AND status = 'pending' AND blocked = 1)`,
		string(t.Kind), t.ID, orderID)
	return s.wrap(err, "deliveries")
}

// UnblockDeliveries makes ready the first pending delivery of every order
// whose pending deliveries to a target are all blocked (after a replay put
// several back at once), for one target, or for every target when t's Kind
// is empty (the retention sweep's repair, should anything have left a
// delivery blocked behind nothing). It reports how many it made ready.
func (s *Queries) UnblockDeliveries(ctx context.Context, t store.Target) (int, error) {
	where, args := "", []any{}
	if t.Kind != "" {
		where, args = ` AND target_kind = ? AND target_id = ?`, []any{string(t.Kind), t.ID}
	}
	res, err := s.exec(ctx, `UPDATE deliveries SET blocked = 0 WHERE id IN (SELECT MIN(id) FROM deliveries
		WHERE status = 'pending' AND order_id <> 0`+where+`
		GROUP BY target_kind, target_id, order_id HAVING MIN(blocked) = 1)`, args...)
	if err != nil {
		return 0, s.wrap(err, "deliveries")
	}
	n, err := res.RowsAffected()
	return int(n), s.wrap(err, "deliveries")
}

// DeliveryBacklog is three probes of partial indexes: deliveries_pending_order
// (pending only), deliveries_dead_at (dead only, kept --retain-dead) and
// events_undispatched (the outbox still to fan out, oldest id first).
func (s *Queries) DeliveryBacklog(ctx context.Context) (store.Backlog, error) {
	var b store.Backlog
	var oldest sql.NullInt64
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM deliveries WHERE status = 'pending'),
		(SELECT COUNT(*) FROM deliveries WHERE status = 'dead'),
		(SELECT created_at FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT 1)`).Scan(&b.Pending, &b.Dead, &oldest)
	if err != nil {
		return b, s.wrap(err, "deliveries")
	}
	b.OldestUndispatched = fromNullMicros(oldest)
	return b, nil
}

// PendingTargets finds the targets with ready pending deliveries by a skip
// scan of deliveries_ready (one index probe per target, whatever the
// backlog), with the earliest next attempt of each.
func (s *Queries) PendingTargets(ctx context.Context) ([]store.TargetDue, error) {
	per := func(kind string) string {
		return `SELECT '` + kind + `', tid, (SELECT MIN(next_attempt_at) FROM deliveries
			WHERE target_kind = '` + kind + `' AND target_id = t_` + kind + `.tid AND status = 'pending' AND blocked = 0)
			FROM t_` + kind + ` WHERE tid IS NOT NULL`
	}
	skip := func(kind string) string {
		return `t_` + kind + `(tid) AS (
			SELECT MIN(target_id) FROM deliveries WHERE target_kind = '` + kind + `' AND status = 'pending' AND blocked = 0
			UNION ALL
			SELECT (SELECT MIN(target_id) FROM deliveries WHERE target_kind = '` + kind + `' AND status = 'pending' AND blocked = 0
				AND target_id > t_` + kind + `.tid)
			FROM t_` + kind + ` WHERE t_` + kind + `.tid IS NOT NULL)`
	}
	w, p := string(store.TargetWebhook), string(store.TargetPartner)
	rows, err := s.query(ctx, `WITH RECURSIVE `+skip(w)+`, `+skip(p)+` `+per(w)+` UNION ALL `+per(p))
	if err != nil {
		return nil, s.wrap(err, "deliveries")
	}
	defer rows.Close()
	var out []store.TargetDue
	for rows.Next() {
		var kind string
		var id, next int64
		if err := rows.Scan(&kind, &id, &next); err != nil {
			return nil, s.wrap(err, "deliveries")
		}
		out = append(out, store.TargetDue{Target: store.Target{Kind: store.TargetKind(kind), ID: id}, NextAttemptAt: fromMicros(next)})
	}
	return out, s.wrap(rows.Err(), "deliveries")
}

func (s *Queries) ClaimDeliveries(ctx context.Context, c store.DeliveryClaim) ([]store.Delivery, error) {
	if c.Limit <= 0 {
		return nil, nil
	}
	now := micros(c.Now)
	rows, err := s.query(ctx, `UPDATE deliveries SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM deliveries
			WHERE target_kind = ? AND target_id = ? AND status = 'pending' AND blocked = 0 AND next_attempt_at <= ?
			  AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY next_attempt_at, id LIMIT ?`+s.d.SkipLocked+`)
		RETURNING `+deliveryCols, c.Owner, micros(c.Until), string(c.Target.Kind), c.Target.ID, now, now, c.Limit)
	out, err := collect(rows, err, scanDelivery, s, "deliveries")
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

func (s *Queries) ReleaseDeliveries(ctx context.Context, owner string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(ids)
	_, err := s.exec(ctx, `UPDATE deliveries SET lease_owner = '', lease_until = NULL
		WHERE lease_owner = ? AND id IN (`+in+`)`, append([]any{owner}, args...)...)
	return s.wrap(err, "deliveries")
}

func (s *Queries) CompleteAttempt(ctx context.Context, owner string, d *store.Delivery, a *store.DeliveryAttempt) (bool, error) {
	if a != nil {
		a.DeliveryID = d.ID
		nowIfZero(s, &a.At)
		var err error
		a.ID, err = s.insert(ctx, `INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_us, error, response, node)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, micros(a.At), a.StatusCode, a.Latency.Microseconds(),
			cleanText(a.Error), cleanText(a.Response), a.Node)
		if err != nil {
			return false, s.wrap(err, "delivery attempt")
		}
	}
	d.UpdatedAt = nowUTC(s)
	res, err := s.exec(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
		last_status_code = ?, delivered_at = ?, lease_owner = '', lease_until = NULL, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
		string(d.Status), d.Attempts, micros(d.NextAttemptAt), cleanText(d.LastError), d.LastStatus,
		nullMicros(d.DeliveredAt), micros(d.UpdatedAt), d.ID, owner)
	if err != nil {
		return false, s.wrap(err, "delivery")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.wrap(err, "delivery")
	}
	if n == 0 {
		return false, nil
	}
	d.LeaseOwner, d.LeaseUntil = "", nil
	if d.Status != store.DeliveryPending {
		if err := s.unblockNext(ctx, d.Target, d.OrderID); err != nil {
			return false, err
		}
	}
	return true, nil
}

// cleanText makes answer snippets storable as TEXT on both databases
// (PostgreSQL refuses invalid UTF-8 and NUL).
func cleanText(v string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
}

// replaySet makes a delivery pending again. One of an order goes back
// blocked; UnblockDeliveries then readies the first of each order that has
// nothing ready, so that an order's replayed deliveries still go in order.
const replaySet = `status = 'pending', attempts = 0, next_attempt_at = ?, retry_from = ?, lease_owner = '',
	lease_until = NULL, last_error = '', last_status_code = 0, delivered_at = NULL, updated_at = ?,
	blocked = CASE WHEN order_id = 0 THEN 0 ELSE 1 END`

func (s *Queries) ReplayDelivery(ctx context.Context, id int64, at time.Time) error {
	s.wrote |= store.TopicDeliveries
	d, err := s.GetDelivery(ctx, id)
	if err != nil {
		return err
	}
	t := micros(at)
	res, err := s.exec(ctx, `UPDATE deliveries SET `+replaySet+` WHERE id = ? AND status <> 'pending'`, t, t, t, id)
	if err != nil {
		return s.wrap(err, "delivery")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(err, "delivery")
	}
	if n == 0 {
		return hub.Conflict(hub.ReasonNone, "delivery %d is already pending", id)
	}
	return s.reorder(ctx, d.Target, at)
}

// reorder restores in-order delivery after a replay put earlier deliveries
// back: a ready delivery that is not in flight and has an earlier pending
// one of its order waits again, and the first of each order with nothing
// ready becomes ready. (One in flight goes on: its attempt has started.)
func (s *Queries) reorder(ctx context.Context, t store.Target, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE deliveries SET blocked = 1
		WHERE target_kind = ? AND target_id = ? AND status = 'pending' AND blocked = 0 AND order_id <> 0
		  AND (lease_until IS NULL OR lease_until < ?)
		  AND EXISTS (SELECT 1 FROM deliveries p WHERE p.target_kind = deliveries.target_kind
			AND p.target_id = deliveries.target_id AND p.order_id = deliveries.order_id
			AND p.status = 'pending' AND p.id < deliveries.id)`, string(t.Kind), t.ID, micros(at)); err != nil {
		return s.wrap(err, "deliveries")
	}
	_, err := s.UnblockDeliveries(ctx, t)
	return err
}

func (s *Queries) ReplayDeadDeliveries(ctx context.Context, kind store.TargetKind, targetID int64, at time.Time) (int, error) {
	s.wrote |= store.TopicDeliveries
	t := micros(at)
	res, err := s.exec(ctx, `UPDATE deliveries SET `+replaySet+`
		WHERE target_kind = ? AND target_id = ? AND status = 'dead'`, t, t, t, string(kind), targetID)
	if err != nil {
		return 0, s.wrap(err, "deliveries")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap(err, "deliveries")
	}
	if err := s.reorder(ctx, store.Target{Kind: kind, ID: targetID}, at); err != nil {
		return 0, err
	}
	return int(n), nil
}

func (s *Queries) GetDelivery(ctx context.Context, id int64) (*store.Delivery, error) {
	return one(ctx, s, scanDelivery, "delivery", `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id)
}

func (s *Queries) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	where := []string{"1 = 1"}
	var args []any
	if f.BrandID > 0 {
		where = append(where, "brand_id = ?")
		args = append(args, f.BrandID)
	}
	if f.Target.Kind != "" {
		where = append(where, "target_kind = ? AND target_id = ?")
		args = append(args, string(f.Target.Kind), f.Target.ID)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	limit := pageLimit(f.Limit)
	args = append(args, limit)
	rows, err := s.query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
	return collect(rows, err, scanDelivery, s, "deliveries")
}

func (s *Queries) ListDeliveryAttempts(ctx context.Context, deliveryIDs []int64) ([]store.DeliveryAttempt, error) {
	if len(deliveryIDs) == 0 {
		return []store.DeliveryAttempt{}, nil
	}
	in, args := inList(deliveryIDs)
	rows, err := s.query(ctx, `SELECT id, delivery_id, attempted_at, status_code, latency_us, error, response, node
		FROM delivery_attempts WHERE delivery_id IN (`+in+`) ORDER BY id`, args...)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*store.DeliveryAttempt, error) {
		var a store.DeliveryAttempt
		var at, lat int64
		if err := sc.Scan(&a.ID, &a.DeliveryID, &at, &a.StatusCode, &lat, &a.Error, &a.Response, &a.Node); err != nil {
			return nil, err
		}
		a.At, a.Latency = fromMicros(at), time.Duration(lat)*time.Microsecond
		return &a, nil
	}, s, "delivery attempts")
}
