// Package metrics is orderhub's GET /metrics, on
// github.com/prometheus/client_golang: a private prometheus.Registry (never
// the global one, so that two servers in one test process do not share
// series) with the standard Go and process collectors, orderhub's counters
// and histograms, and a collector that reads the database at scrape time.
// docs/operations.md lists every family.
//
// Every label has a bounded set of values: the surface of a request comes
// from its path prefix (never the path itself), methods, channels and
// reasons outside their known sets become "other", and no request id ever
// becomes a label. The one label that grows with the configuration is the
// location of orderhub_orders_placed_total (a location id): the first
// MaxLocations locations seen by this process get a value of their own,
// the rest share "other", so a chain with more locations than that cannot
// blow up the series count.
//
// orderhub's own surfaces are fixed here: "hub" (/hub), "ui" (/ui),
// "health" (/healthz, /readyz) and "other" (everything else, /metrics and
// /openapi.json included). Each partner protocol is a surface of its own,
// named by its channel, given to New by the registry of protocols
// (internal/protocol: Registry.Surfaces); its channel is also a value of
// the channel label of orderhub_orders_placed_total, beside "hub".
//
// Streaming responses (server-sent events: the dashboard's live view, or
// any route that answers text/event-stream) are counted in
// orderhub_http_requests_total when they end but kept out of
// orderhub_http_request_duration_seconds: a stream lasts as long as its
// client stays, and would drown the latency of every other request.
//
// The other packages do not import this one. httpx calls ObserveRequest
// through its RequestObserver, the service calls OrderPlaced, OrderRefused
// and OrderTransitioned through service.Metrics after its unit of work
// commits, and the delivery engine calls DeliveryAttempt through
// delivery.Metrics; a *Metrics satisfies all three. The gauges of the
// delivery backlog, the outbox lag and the connection pools are read from
// the store (SetSource) when /metrics is scraped: they are the database's
// figures (every node's), not counters this process keeps, and are right
// after a restart.
//
// The endpoint has no credential of its own: with a token (--metrics-token,
// ORDERHUB_METRICS_TOKEN) it requires "Authorization: Bearer <token>";
// without one it is open, so serve it on a private network only.
package metrics

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Buckets are the upper bounds, in seconds, of the request duration
// histogram.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// DeliveryBuckets are the upper bounds, in seconds, of the delivery
// latency histogram: from a receiver that answers at once to the 72 h
// retry window.
var DeliveryBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 72 * 3600}

// MaxLocations is how many locations get a label value of their own in
// orderhub_orders_placed_total; orders at further locations are counted
// under location="other".
const MaxLocations = 500

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

// Source is what the scrape-time gauges read: a store.Store.
type Source interface {
	DeliveryBacklog(ctx context.Context) (store.Backlog, error)
	PoolStats() []store.PoolStats
}

// Metrics holds every series. Its methods are safe for concurrent use; a
// nil *Metrics records nothing.
type Metrics struct {
	reg      *prometheus.Registry
	surfaces []Surface
	channels map[hub.Channel]bool

	requests        *prometheus.CounterVec
	durations       *prometheus.HistogramVec
	placed          *prometheus.CounterVec
	transitions     *prometheus.CounterVec
	refused         *prometheus.CounterVec
	attempts        *prometheus.CounterVec
	deliveryLatency *prometheus.HistogramVec

	locMu     sync.Mutex
	locations map[int64]string // the location label of each location seen

	inFlight atomic.Pointer[func() int]
	source   atomic.Pointer[Source]
}

// New returns a registry reporting version in orderhub_build_info, with a
// surface (and a channel) per protocol surface given.
func New(version string, protocols ...Surface) *Metrics {
	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		surfaces:  append(slices.Clone(own), protocols...),
		channels:  map[hub.Channel]bool{hub.ChannelHub: true},
		locations: map[int64]string{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_http_requests_total",
			Help: "HTTP requests answered, by surface, method and status code (streams counted when they end)."},
			[]string{"surface", "method", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orderhub_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its handler's return, by surface; streaming responses (text/event-stream) are not observed.",
			Buckets: Buckets}, []string{"surface"}),
		placed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_orders_placed_total",
			Help: "Orders stored, by channel and location id (the first " + strconv.Itoa(MaxLocations) + " locations seen; the rest are \"other\")."},
			[]string{"channel", "location"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_order_transitions_total",
			Help: "Order status changes committed, by the status moved to."}, []string{"to"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_orders_refused_total",
			Help: "Orders not taken, by hub reason (or error code when there is none)."}, []string{"reason"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_delivery_attempts_total",
			Help: "Delivery attempts on this node, by outcome: delivered, retry (will be tried again), dead (dead-lettered)."},
			[]string{"result"}),
		deliveryLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orderhub_delivery_latency_seconds",
			Help:    "Time from a delivery's creation (its event fanned out of the outbox, or its replay) to each attempt's recorded outcome, by outcome.",
			Buckets: DeliveryBuckets}, []string{"result"}),
	}
	for _, p := range protocols {
		m.channels[hub.Channel(p.Name)] = true
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{Name: "orderhub_build_info",
		Help: "Always 1; the version label names the running build.", ConstLabels: prometheus.Labels{"version": version}})
	buildInfo.Set(1)
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "orderhub_delivery_attempts_in_flight",
		Help: "Delivery attempts in flight on this node."}, func() float64 {
		if f := m.inFlight.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.durations, m.placed, m.transitions, m.refused, m.attempts, m.deliveryLatency,
		buildInfo, inFlight, &storeCollector{m: m},
	)
	// Known label values start at zero, so that rate() sees the first
	// increment. (A location's series starts at its first order.)
	for _, s := range []hub.Status{hub.StatusConfirmed, hub.StatusPreparing, hub.StatusReady, hub.StatusCompleted, hub.StatusCancelled} {
		m.transitions.WithLabelValues(s.String())
	}
	for _, r := range attemptResults {
		m.attempts.WithLabelValues(r)
		m.deliveryLatency.WithLabelValues(r)
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

// ObserveRequest counts a request, and unless it was a stream its
// duration (httpx.RequestObserver).
func (m *Metrics) ObserveRequest(meth, path string, status int, d time.Duration, stream bool) {
	if m == nil {
		return
	}
	surface := m.Surface(path)
	m.requests.WithLabelValues(surface, method(meth), code(status)).Inc()
	if !stream {
		m.durations.WithLabelValues(surface).Observe(d.Seconds())
	}
}

// OrderPlaced counts a committed new order (service.Metrics).
func (m *Metrics) OrderPlaced(channel hub.Channel, locationID int64) {
	if m == nil {
		return
	}
	c := string(channel)
	if !m.channels[channel] {
		c = "other"
	}
	m.placed.WithLabelValues(c, m.location(locationID)).Inc()
}

// location is the location label of a location id: its own for the first
// MaxLocations seen, "other" after.
func (m *Metrics) location(id int64) string {
	m.locMu.Lock()
	defer m.locMu.Unlock()
	if l, ok := m.locations[id]; ok {
		return l
	}
	if id <= 0 || len(m.locations) >= MaxLocations {
		return "other"
	}
	l := strconv.FormatInt(id, 10)
	m.locations[id] = l
	return l
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
	m.transitions.WithLabelValues(s).Inc()
}

// OrderRefused counts an order that was not taken, by the error's hub
// reason, or its code when it has no reason (service.Metrics).
func (m *Metrics) OrderRefused(err error) {
	if m == nil {
		return
	}
	m.refused.WithLabelValues(RefusalReason(err)).Inc()
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

// DeliveryAttempt counts one attempt's outcome (AttemptDelivered,
// AttemptRetry or AttemptDead) and observes its latency: the time since
// the delivery was created or replayed (delivery.Metrics).
func (m *Metrics) DeliveryAttempt(result string, latency time.Duration) {
	if m == nil {
		return
	}
	if !slices.Contains(attemptResults, result) {
		result = "other"
	}
	m.attempts.WithLabelValues(result).Inc()
	m.deliveryLatency.WithLabelValues(result).Observe(max(latency, 0).Seconds())
}

// SetDeliveryInFlight installs the function that reports the delivery
// attempts in flight on this node (the engine's InFlight).
func (m *Metrics) SetDeliveryInFlight(f func() int) {
	if m == nil || f == nil {
		return
	}
	m.inFlight.Store(&f)
}

// SetSource installs the store the scrape-time gauges read (the backlog,
// the outbox lag, the connection pools). Without one they are absent.
func (m *Metrics) SetSource(src Source) {
	if m == nil || src == nil {
		return
	}
	m.source.Store(&src)
}

// Gatherer is the registry, for tests and for other exposition.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// ContentType is the media type of the text exposition format, which
// /metrics answers unless the scraper asks for another.
const ContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// Handler serves GET /metrics. With a token, a request must carry
// "Authorization: Bearer <token>" (compared in constant time). A
// collector that fails (the database unreachable) leaves its families out
// of the answer and is logged; the rest is served.
func (m *Metrics) Handler(token string, log *slog.Logger) http.Handler {
	want := sha256.Sum256([]byte(token))
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      errorLog{log},
		Timeout:       10 * time.Second,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, ok := httpx.Credentials(r, "Bearer")
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// errorLog is promhttp's error log on slog.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) {
	if l.log != nil {
		l.log.Error("metrics: a collector failed", "error", strings.TrimSpace(fmt.Sprint(v...)))
	}
}
