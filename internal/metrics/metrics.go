// Package metrics is orderhub's GET /metrics: a handful of counters,
// gauges and one histogram, written in the Prometheus text exposition format
// (version 0.0.4) by hand, without a client library.
//
// Every label has a bounded set of values: the surface of a request comes
// from its path prefix (never the path itself), methods, channels and
// reasons outside their known sets become "other", and no id ever becomes
// a label.
//
// orderhub's own surfaces are fixed here: "hub" (/hub), "ui" (/ui),
// "health" (/healthz, /readyz) and "other" (everything else, /metrics and
// /openapi.json included). Each partner protocol is a surface of its own,
// named by its channel, given to New by the registry of protocols
// (internal/protocol: Registry.Surfaces); its channel is also a value of
// the channel label of orderhub_orders_placed_total, beside "hub".
//
// The other packages do not import this one. httpx calls ObserveRequest
// through its RequestObserver, the service calls OrderPlaced, OrderRefused
// and OrderTransitioned through service.Metrics after its unit of work
// commits, and the delivery engine calls DeliveryAttempt through
// delivery.Metrics; a *Metrics satisfies all three.
//
// The endpoint has no credential of its own: with a token (--metrics-token,
// ORDERHUB_METRICS_TOKEN) it requires "Authorization: Bearer <token>";
// without one it is open, so serve it on a private network only.
package metrics

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub/internal/hub"
)

// Buckets are the upper bounds, in seconds, of the request duration
// histogram.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Surface is a value of the surface label and the path prefixes it covers
// (each prefix with every path below it).
type Surface struct {
	Name     string
	Prefixes []string
}

// own are orderhub's surfaces besides the protocols'; "other" is what no
// surface covers.
var own = []Surface{
	{Name: "hub", Prefixes: []string{"/hub"}},
	{Name: "ui", Prefixes: []string{"/ui"}},
	{Name: "health", Prefixes: []string{"/healthz", "/readyz"}},
}

// Attempt results of orderhub_delivery_attempts_total.
const (
	AttemptDelivered = "delivered"
	AttemptRetry     = "retry"
	AttemptDead      = "dead"
)

var attemptResults = []string{AttemptDelivered, AttemptRetry, AttemptDead}

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// refusalReasons are the hub reasons an order can be refused with; a
// refusal without a reason is labelled with its code instead.
var refusalReasons = map[string]bool{}

func init() {
	for _, r := range []hub.Reason{
		hub.ReasonInvalidTransition, hub.ReasonAlreadyInStatus, hub.ReasonAlreadyCompleted,
		hub.ReasonAlreadyCancelled, hub.ReasonAlreadyPaid, hub.ReasonCookingStarted,
		hub.ReasonOutOfStock, hub.ReasonNotEnoughStock, hub.ReasonNotAvailable,
		hub.ReasonNotIndividual, hub.ReasonSupplierRestricted, hub.ReasonBelowMinimum,
		hub.ReasonAboveMaximum, hub.ReasonBundleSize, hub.ReasonInvalidOption,
		hub.ReasonPriceMismatch, hub.ReasonDuplicateLine, hub.ReasonDuplicateOrder,
		hub.ReasonIdempotencyReuse, hub.ReasonUnknownProduct, hub.ReasonInventoryRejected,
	} {
		refusalReasons[string(r)] = true
	}
	for _, c := range []hub.Code{
		hub.CodeInvalid, hub.CodeNotFound, hub.CodeConflict, hub.CodeUnauthorized,
		hub.CodeForbidden, hub.CodeUnavailable, hub.CodeInternal,
	} {
		refusalReasons[string(c)] = true
	}
}

type requestKey struct{ surface, method, code string }

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// Metrics holds every series. Its methods are safe for concurrent use; a
// nil *Metrics records nothing.
type Metrics struct {
	version  string
	start    time.Time
	surfaces []Surface
	channels map[hub.Channel]bool

	mu          sync.Mutex
	requests    map[requestKey]uint64
	durations   map[string]*histogram
	placed      map[string]uint64
	transitions map[string]uint64
	refused     map[string]uint64
	attempts    map[string]uint64
	inFlight    func() int
}

// New returns an empty registry reporting version in orderhub_build_info,
// with a surface (and a channel) per protocol surface given.
func New(version string, protocols ...Surface) *Metrics {
	m := &Metrics{
		version:     version,
		start:       time.Now(),
		surfaces:    append(slices.Clone(own), protocols...),
		channels:    map[hub.Channel]bool{hub.ChannelHub: true},
		requests:    map[requestKey]uint64{},
		durations:   map[string]*histogram{},
		placed:      map[string]uint64{},
		transitions: map[string]uint64{},
		refused:     map[string]uint64{},
		attempts:    map[string]uint64{},
	}
	// Known label values start at zero, so that rate() sees the first
	// increment.
	for _, p := range protocols {
		m.channels[hub.Channel(p.Name)] = true
	}
	for c := range m.channels {
		m.placed[string(c)] = 0
	}
	for _, s := range []hub.Status{hub.StatusConfirmed, hub.StatusPreparing, hub.StatusReady, hub.StatusCompleted, hub.StatusCancelled} {
		m.transitions[s.String()] = 0
	}
	for _, r := range attemptResults {
		m.attempts[r] = 0
	}
	return m
}

// Surface names the surface a path belongs to, from its prefix alone.
func (m *Metrics) Surface(path string) string {
	if m == nil {
		return "other"
	}
	for _, s := range m.surfaces {
		for _, p := range s.Prefixes {
			if path == p || (strings.HasPrefix(path, p) && path[len(p)] == '/') {
				return s.Name
			}
		}
	}
	return "other"
}

func method(m string) string {
	if slices.Contains(methods, m) {
		return m
	}
	return "other"
}

func code(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

// ObserveRequest counts a request and its duration (httpx.RequestObserver).
func (m *Metrics) ObserveRequest(meth, path string, status int, d time.Duration) {
	if m == nil {
		return
	}
	surface := m.Surface(path)
	k := requestKey{surface, method(meth), code(status)}
	secs := d.Seconds()
	i, _ := slices.BinarySearch(Buckets, secs) // first bound >= secs; len = +Inf
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[k]++
	h := m.durations[surface]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(Buckets)+1)}
		m.durations[surface] = h
	}
	h.counts[i]++
	h.sum += secs
	h.count++
}

// OrderPlaced counts a committed new order (service.Metrics).
func (m *Metrics) OrderPlaced(channel hub.Channel) {
	if m == nil {
		return
	}
	c := string(channel)
	if !m.channels[channel] {
		c = "other"
	}
	m.mu.Lock()
	m.placed[c]++
	m.mu.Unlock()
}

// OrderTransitioned counts a committed status change (service.Metrics).
func (m *Metrics) OrderTransitioned(to hub.Status) {
	if m == nil {
		return
	}
	s := to.String()
	if s == "unknown" {
		s = "other"
	}
	m.mu.Lock()
	m.transitions[s]++
	m.mu.Unlock()
}

// OrderRefused counts an order that was not taken, by the error's hub
// reason, or its code when it has no reason (service.Metrics).
func (m *Metrics) OrderRefused(err error) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.refused[RefusalReason(err)]++
	m.mu.Unlock()
}

// RefusalReason is the reason label of a refused order: the hub reason,
// else the hub code ("invalid", "internal", ...), else "other".
func RefusalReason(err error) string {
	r := string(hub.ErrorReason(err))
	if r == "" {
		r = string(hub.ErrorCode(err))
	}
	if !refusalReasons[r] {
		return "other"
	}
	return r
}

// DeliveryAttempt counts one attempt's outcome: AttemptDelivered,
// AttemptRetry or AttemptDead (delivery.Metrics).
func (m *Metrics) DeliveryAttempt(result string) {
	if m == nil {
		return
	}
	if !slices.Contains(attemptResults, result) {
		result = "other"
	}
	m.mu.Lock()
	m.attempts[result]++
	m.mu.Unlock()
}

// SetDeliveryInFlight installs the function that reports the delivery
// attempts in flight on this node (the engine's InFlight).
func (m *Metrics) SetDeliveryInFlight(f func() int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.inFlight = f
	m.mu.Unlock()
}

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Write renders every series in the text exposition format.
func (m *Metrics) Write(b *bytes.Buffer) {
	m.mu.Lock()
	requests := make(map[requestKey]uint64, len(m.requests))
	for k, v := range m.requests {
		requests[k] = v
	}
	durations := make(map[string]histogram, len(m.durations))
	for k, h := range m.durations {
		durations[k] = histogram{counts: slices.Clone(h.counts), sum: h.sum, count: h.count}
	}
	placed, transitions, refused, attempts := clone(m.placed), clone(m.transitions), clone(m.refused), clone(m.attempts)
	inFlight := m.inFlight
	m.mu.Unlock()

	family(b, "orderhub_http_requests_total", "counter", "HTTP requests answered, by surface, method and status code.")
	keys := make([]requestKey, 0, len(requests))
	for k := range requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		return strings.Compare(a.surface+"\x00"+a.method+"\x00"+a.code, b.surface+"\x00"+b.method+"\x00"+b.code)
	})
	for _, k := range keys {
		sample(b, "orderhub_http_requests_total", []string{"surface", k.surface, "method", k.method, "code", k.code}, uintText(requests[k]))
	}

	family(b, "orderhub_http_request_duration_seconds", "histogram", "Time from a request's arrival to its handler's return, by surface.")
	for _, s := range sortedKeys(durations) {
		h := durations[s]
		var cum uint64
		for i, n := range h.counts {
			cum += n
			le := "+Inf"
			if i < len(Buckets) {
				le = floatText(Buckets[i])
			}
			sample(b, "orderhub_http_request_duration_seconds_bucket", []string{"surface", s, "le", le}, uintText(cum))
		}
		sample(b, "orderhub_http_request_duration_seconds_sum", []string{"surface", s}, floatText(h.sum))
		sample(b, "orderhub_http_request_duration_seconds_count", []string{"surface", s}, uintText(h.count))
	}

	counterFamily(b, "orderhub_orders_placed_total", "Orders stored, by channel.", "channel", placed)
	counterFamily(b, "orderhub_order_transitions_total", "Order status changes committed, by the status moved to.", "to", transitions)
	counterFamily(b, "orderhub_orders_refused_total", "Orders not taken, by hub reason (or error code when there is none).", "reason", refused)
	counterFamily(b, "orderhub_delivery_attempts_total", "Delivery attempts on this node, by outcome: delivered, retry (will be tried again), dead (dead-lettered).", "result", attempts)

	if inFlight != nil {
		family(b, "orderhub_delivery_attempts_in_flight", "gauge", "Delivery attempts in flight on this node.")
		sample(b, "orderhub_delivery_attempts_in_flight", nil, strconv.Itoa(inFlight()))
	}

	family(b, "orderhub_goroutines", "gauge", "Goroutines that currently exist.")
	sample(b, "orderhub_goroutines", nil, strconv.Itoa(runtime.NumGoroutine()))
	family(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.")
	sample(b, "process_start_time_seconds", nil, strconv.FormatFloat(float64(m.start.UnixMicro())/1e6, 'f', -1, 64))
	family(b, "orderhub_build_info", "gauge", "Always 1; the version label names the running build.")
	sample(b, "orderhub_build_info", []string{"version", m.version}, "1")
}

// Handler serves GET /metrics. With a token, a request must carry
// "Authorization: Bearer <token>" (compared in constant time).
func (m *Metrics) Handler(token string) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, ok := bearer(r.Header.Get("Authorization"))
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		var b bytes.Buffer
		m.Write(&b)
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b.Bytes())
	})
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func clone(m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func counterFamily(b *bytes.Buffer, name, help, label string, values map[string]uint64) {
	family(b, name, "counter", help)
	for _, k := range sortedKeys(values) {
		sample(b, name, []string{label, k}, uintText(values[k]))
	}
}

// family writes the HELP and TYPE lines.
func family(b *bytes.Buffer, name, typ, help string) {
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(escapeHelp(help))
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(typ)
	b.WriteByte('\n')
}

// sample writes one line; labels alternate name and value.
func sample(b *bytes.Buffer, name string, labels []string, value string) {
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(value)
	b.WriteByte('\n')
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func uintText(v uint64) string { return strconv.FormatUint(v, 10) }

func floatText(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
