package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// UserAgent is sent with every request.
const UserAgent = "orderhub-webhooks/1"

// outcome is how an attempt ended.
type outcome int

const (
	outSuccess outcome = iota
	outRetry           // network error, timeout, 408, 429, 5xx, unaccepted 2xx
	outFinal           // any other answer (3xx, 4xx): dead at once
	outGone            // 410: dead, and a webhook endpoint is disabled
	outNotSent         // nothing sent (target gone, no secret): dead
)

// result is what one attempt saw.
type result struct {
	status     int
	body       []byte // up to 64 KiB, for acceptance
	err        error
	retryAfter time.Duration
	latency    time.Duration
}

// target is what the engine needs to send to a delivery's receiver now.
type target struct {
	secrets  [][]byte // signing keys, current first
	endpoint *store.WebhookEndpoint
	notSent  string // why nothing can be sent
}

func (e *Engine) loadTarget(ctx context.Context, d *store.Delivery, now time.Time) (*target, error) {
	t := &target{}
	var secrets []string
	switch d.Target.Kind {
	case store.TargetWebhook:
		ep, err := e.st.GetWebhookEndpoint(ctx, d.Target.ID)
		if hub.ErrorCode(err) == hub.CodeNotFound {
			t.notSent = "endpoint deleted"
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if ep.Disabled {
			t.notSent = "endpoint disabled: " + ep.DisabledReason
			return t, nil
		}
		t.endpoint = ep
		secrets = signingSecrets(ep.Secret, ep.PreviousSecret, ep.PreviousSecretExpiresAt, now)
	case store.TargetPartner:
		p, err := e.st.GetPartner(ctx, d.Target.ID)
		if hub.ErrorCode(err) == hub.CodeNotFound {
			t.notSent = "partner deleted"
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if p.Disabled {
			t.notSent = "partner disabled"
			return t, nil
		}
		if Signing(d.Signing) == SignNone {
			return t, nil
		}
		s, err := e.st.PartnerCallbackSecret(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if s == "" {
			t.notSent = "partner has no callback secret to sign with"
			return t, nil
		}
		prev, exp, err := e.st.PartnerPreviousCallbackSecret(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		secrets = signingSecrets(s, prev, exp, now)
	default:
		t.notSent = "unknown target kind " + string(d.Target.Kind)
		return t, nil
	}
	for _, s := range secrets {
		k, err := SecretKey(s)
		if err != nil {
			return nil, err
		}
		t.secrets = append(t.secrets, k)
	}
	return t, nil
}

// signingSecrets are the secrets that sign at now: the current one and,
// during a rotation (until the previous one expires), the previous one.
// Endpoints and partners rotate alike.
func signingSecrets(current, previous string, previousExpiresAt *time.Time, now time.Time) []string {
	out := []string{current}
	if previous != "" && previousExpiresAt != nil && now.Before(*previousExpiresAt) {
		out = append(out, previous)
	}
	return out
}

// MessageID is the webhook-id of a delivery: the same on every attempt
// and replay, so that a receiver can drop repeats.
func MessageID(deliveryID int64) string { return "dlv_" + strconv.FormatInt(deliveryID, 10) }

// attempt sends d once and records the outcome; sent is called with the
// attempt's latency once the answer is in (or nothing is to be sent),
// before the record. It returns an error only when it could not record
// (or was aborted).
func (e *Engine) attempt(ctx context.Context, d *store.Delivery, sent func(time.Duration)) error {
	start := e.now()
	tg, err := e.loadTarget(ctx, d, start)
	if err != nil {
		return err
	}
	if tg.notSent != "" {
		sent(0)
		return e.record(d, nil, outNotSent, result{err: errors.New(tg.notSent)}, start)
	}
	res := e.send(ctx, d, tg, start)
	sent(res.latency)
	if ctx.Err() != nil {
		return ctx.Err() // aborted: not an attempt
	}
	out := classify(Acceptance(d.Acceptance), res)
	return e.record(d, tg, out, res, start)
}

// send makes the HTTP request, signed at this attempt's time.
func (e *Engine) send(ctx context.Context, d *store.Delivery, tg *target, at time.Time) result {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Content-Type", d.ContentType)
	req.Header.Set("User-Agent", UserAgent)
	switch Signing(d.Signing) {
	case SignStandardWebhooks:
		id := MessageID(d.ID)
		ts := at.Unix()
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("webhook-signature", SignStandard(tg.secrets, id, ts, d.Body))
	case SignKS:
		ts := strconv.FormatInt(at.Unix(), 10)
		req.Header.Set("KS-Timestamp", ts)
		req.Header.Set("KS-Signature", SignKSHex(tg.secrets[0], ts, d.Body))
		if len(tg.secrets) > 1 { // during a rotation: under the previous secret
			req.Header.Set("KS-Signature-Previous", SignKSHex(tg.secrets[1], ts, d.Body))
		}
	}
	t0 := time.Now()
	resp, err := e.cfg.Client.Do(req)
	if err != nil {
		return result{err: err, latency: time.Since(t0)}
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	res := result{status: resp.StatusCode, body: body, latency: time.Since(t0)}
	if rerr != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The answer broke off: we cannot tell it was accepted.
		res.err = fmt.Errorf("reading the answer: %w", rerr)
	}
	res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), at)
	return res
}

// classify judges an attempt.
func classify(acc Acceptance, r result) outcome {
	if r.status == 0 || r.err != nil {
		return outRetry
	}
	switch {
	case r.status == http.StatusGone:
		return outGone
	case r.status >= 200 && r.status < 300:
		if accepted(acc, r) {
			return outSuccess
		}
		return outRetry
	case r.status == http.StatusRequestTimeout, r.status == http.StatusTooManyRequests, r.status >= 500:
		return outRetry
	}
	return outFinal
}

func accepted(acc Acceptance, r result) bool {
	if acc != AcceptStatusOK {
		return true
	}
	if r.status != http.StatusOK {
		return false
	}
	var v struct {
		Status any `json:"status"`
	}
	return json.Unmarshal(r.body, &v) == nil && v.Status == "OK"
}

// describe is the attempt's error text ("" on success).
func describe(out outcome, r result, timeout time.Duration) string {
	if r.err != nil {
		var ne net.Error
		if errors.Is(r.err, context.DeadlineExceeded) || (errors.As(r.err, &ne) && ne.Timeout()) {
			return fmt.Sprintf("timeout after %s", timeout)
		}
		return r.err.Error()
	}
	switch out {
	case outSuccess:
		return ""
	case outGone:
		return "HTTP 410 Gone"
	}
	if r.status >= 200 && r.status < 300 {
		return fmt.Sprintf("HTTP %d without the expected acceptance", r.status)
	}
	return fmt.Sprintf("HTTP %d", r.status)
}

// outcomeRecord is an attempt's outcome waiting to be written.
type outcomeRecord struct {
	d        *store.Delivery
	a        *store.DeliveryAttempt
	out      outcome
	webhook  bool
	r        result
	errText  string
	at       time.Time
	disabled string // set by writeRecords
	done     chan error
}

// record writes the attempt and the delivery's new state, and keeps a
// webhook endpoint's health. Records are written in groups: the first
// caller writes everything queued while it runs, in one unit, and the
// others wait for theirs (one commit for many deliveries).
func (e *Engine) record(d *store.Delivery, tg *target, out outcome, r result, at time.Time) error {
	now := e.now()
	var a *store.DeliveryAttempt
	errText := describe(out, r, e.cfg.Timeout)
	if out != outNotSent {
		snippet := r.body
		if len(snippet) > SnippetSize {
			snippet = snippet[:SnippetSize]
		}
		a = &store.DeliveryAttempt{At: at, StatusCode: r.status, Latency: r.latency, Error: errText,
			Response: string(snippet), Node: e.cfg.Node}
		d.Attempts++
	}
	d.LastError, d.LastStatus = errText, r.status
	switch out {
	case outSuccess:
		d.Status, d.DeliveredAt = store.DeliveryDelivered, &now
	case outRetry:
		if now.Sub(d.RetryFrom) >= e.cfg.RetryFor {
			d.Status = store.DeliveryDead
			d.LastError = fmt.Sprintf("gave up after %d attempts over %s: %s", d.Attempts, e.cfg.RetryFor, errText)
		} else {
			d.NextAttemptAt = now.Add(e.nextDelay(d.Attempts, r.retryAfter))
		}
	default:
		d.Status = store.DeliveryDead
	}
	rec := &outcomeRecord{d: d, a: a, out: out, r: r, errText: errText, at: now, done: make(chan error, 1),
		webhook: d.Target.Kind == store.TargetWebhook && tg != nil && tg.endpoint != nil}
	e.recMu.Lock()
	e.recQueue = append(e.recQueue, rec)
	if !e.recWriting {
		e.recWriting = true
		for len(e.recQueue) > 0 {
			batch := e.recQueue
			e.recQueue = nil
			e.recMu.Unlock()
			err := e.writeRecords(batch)
			for _, b := range batch {
				b.done <- err
			}
			e.recMu.Lock()
		}
		e.recWriting = false
	}
	e.recMu.Unlock()
	if err := <-rec.done; err != nil {
		return err
	}
	disabled := rec.disabled
	if m := e.cfg.Metrics; m != nil {
		latency := now.Sub(d.RetryFrom)
		switch d.Status {
		case store.DeliveryDelivered:
			m.DeliveryAttempt("delivered", latency)
		case store.DeliveryDead:
			m.DeliveryAttempt("dead", latency)
		default:
			m.DeliveryAttempt("retry", latency)
		}
	}
	lg := e.log.With("delivery", d.ID, "event", d.EventID, "target", d.Target.Kind, "target_id", d.Target.ID, "attempt", d.Attempts)
	switch {
	case disabled != "":
		lg.Warn("webhook endpoint disabled", "reason", disabled)
	case d.Status == store.DeliveryDead:
		lg.Warn("delivery dead-lettered", "error", d.LastError)
	case d.Status == store.DeliveryDelivered:
		lg.Debug("delivered", "status", r.status, "latency", r.latency)
	default:
		lg.Info("delivery attempt failed; will retry", "error", errText, "next_attempt_at", d.NextAttemptAt)
	}
	return nil
}

// maxRecordBatch bounds the records one unit writes.
const maxRecordBatch = 128

// writeRecords writes a group of outcomes in units of at most
// maxRecordBatch.
func (e *Engine) writeRecords(recs []*outcomeRecord) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(recs) > 0 {
		n := min(len(recs), maxRecordBatch)
		batch := recs[:n]
		recs = recs[n:]
		err := e.st.Update(ctx, func(tx store.Tx) error {
			for _, rec := range batch {
				rec.disabled = ""
				if _, err := tx.CompleteAttempt(ctx, e.cfg.Node, rec.d, rec.a); err != nil {
					return err
				}
				if !rec.webhook {
					continue
				}
				ep, err := tx.RecordWebhookEndpointResult(ctx, rec.d.Target.ID, rec.out == outSuccess, rec.at)
				if hub.ErrorCode(err) == hub.CodeNotFound || (err == nil && ep == nil) {
					continue // gone, or a success (nothing to judge)
				}
				if err != nil {
					return err
				}
				switch {
				case ep.Disabled:
				case rec.out == outGone:
					rec.disabled = "the endpoint answered 410 Gone"
				case ep.FailingSince != nil && rec.at.Sub(*ep.FailingSince) >= e.cfg.DisableAfter:
					rec.disabled = fmt.Sprintf("failing without a success since %s (%s)", ep.FailingSince.Format(time.RFC3339), e.cfg.DisableAfter)
				}
				if rec.disabled != "" {
					if err := tx.SetWebhookEndpointDisabled(ctx, ep.ID, true, rec.disabled, rec.at); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
