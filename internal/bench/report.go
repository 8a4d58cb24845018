package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the JSON the bench writes (--json) and the table it prints.
type Report struct {
	Meta     Meta            `json:"meta"`
	Setup    *SetupInfo      `json:"setup,omitempty"`
	Figures  []Figure        `json:"figures"`
	Delivery *DeliveryFigure `json:"delivery,omitempty"`
	Drain    *DrainFigure    `json:"drain,omitempty"`
	Scale    *ScaleInfo      `json:"scale,omitempty"`
	Loads    []LoadInfo      `json:"loads"`
	// PeakRSS is VmHWM of each orderhub child, read just before it was
	// stopped; PeakRSSMaxKB the largest.
	PeakRSS      []RSSInfo `json:"peak_rss"`
	PeakRSSMaxKB int64     `json:"peak_rss_max_kb"`
	// Errors counts failed requests (and failed steps) over the run; the
	// bench exits 1 when it is not 0.
	Errors   uint64   `json:"errors"`
	Problems []string `json:"problems,omitempty"`
	// Notes are surprises that are not failures.
	Notes   []string `json:"notes,omitempty"`
	OK      bool     `json:"ok"`
	Seconds float64  `json:"seconds"`
}

// Meta describes the run.
type Meta struct {
	StartedAt   time.Time `json:"started_at"`
	Version     string    `json:"version"`
	Commit      string    `json:"commit,omitempty"`
	Modified    bool      `json:"modified,omitempty"`
	GoVersion   string    `json:"go_version"`
	CPU         string    `json:"cpu"`
	Cores       int       `json:"cores"`
	Database    string    `json:"database"`
	Connections int       `json:"connections"`
	Duration    string    `json:"duration"`
	Quick       bool      `json:"quick"`
	// LoadAvg is /proc/loadavg at the start and the end: other work on
	// the machine skews every figure.
	LoadAvgStart string   `json:"loadavg_start"`
	LoadAvgEnd   string   `json:"loadavg_end"`
	Phases       []string `json:"phases"`
	ChildArgs    []string `json:"child_args,omitempty"`
	Args         []string `json:"args"`
}

// SetupInfo is what setup created through the API, and how long it took.
type SetupInfo struct {
	Seconds   float64 `json:"seconds"`
	Locations int     `json:"locations"`
	Products  int     `json:"products"`
	WithOpts  int     `json:"products_with_options"`
	StockRows int     `json:"stock_rows"`
	Partners  int     `json:"partners"`
	MenuItems int     `json:"menu_items"`
	MenuBytes int     `json:"menu_bytes"`
}

// Side is one server's measurement of a figure.
type Side struct {
	Requests   uint64   `json:"requests"`
	Errors     uint64   `json:"errors"`
	Unfinished uint64   `json:"unfinished"`
	Seconds    float64  `json:"seconds"`
	RPS        float64  `json:"rps"`
	P50ms      float64  `json:"p50_ms"`
	P99ms      float64  `json:"p99_ms"`
	MaxMs      float64  `json:"max_ms"`
	Samples    []string `json:"error_samples,omitempty"`
}

// Figure is one throughput figure: orderhub and the ceiling measured
// back to back with the same client, connections, duration and bodies.
type Figure struct {
	Name      string `json:"name"`
	What      string `json:"what"`
	BodyBytes int    `json:"body_bytes"`
	Side
	// Exhausted: the order pool ran out before the duration ended (the
	// figure covers Seconds only).
	Exhausted bool    `json:"exhausted,omitempty"`
	Ceiling   Side    `json:"ceiling"`
	Ratio     float64 `json:"ratio"`
	// VsEmpty is Ratio over the empty database's QR Ratio (scale).
	VsEmpty *float64 `json:"ratio_to_empty,omitempty"`
	// SettleMs is how long the bench waited for orderhub to go idle
	// before the ceiling measurement.
	SettleMs float64 `json:"settle_ms"`
	Note     string  `json:"note,omitempty"`
}

// DeliveryFigure is commit → receipt at a steady rate.
type DeliveryFigure struct {
	Rate    float64 `json:"rate_per_s"`
	Seconds float64 `json:"seconds"`
	Planned uint64  `json:"planned"`
	Sent    uint64  `json:"sent"`
	// Achieved is Sent per second: below Rate when orderhub could not
	// take orders that fast (the ticks that found every connection busy
	// are Missed).
	Achieved    float64  `json:"achieved_per_s"`
	Missed      uint64   `json:"missed"`
	PostErrors  uint64   `json:"post_errors"`
	Delivered   int      `json:"delivered"`
	Undelivered int      `json:"undelivered"`
	Duplicates  int      `json:"duplicates"`
	P50ms       float64  `json:"p50_ms"`
	P99ms       float64  `json:"p99_ms"`
	MaxMs       float64  `json:"max_ms"`
	PostP50ms   float64  `json:"post_p50_ms"`
	PostP99ms   float64  `json:"post_p99_ms"`
	WaitSeconds float64  `json:"wait_seconds"`
	Samples     []string `json:"error_samples,omitempty"`
}

// DrainFigure is the drain of a held backlog.
type DrainFigure struct {
	Events   int     `json:"events"`
	Received int     `json:"received"`
	Seconds  float64 `json:"seconds"`
	// StartMs is from process start to /readyz; FirstMs to the first
	// receipt; Seconds to the last (the drain time).
	StartMs     float64 `json:"start_ms"`
	FirstMs     float64 `json:"first_receipt_ms"`
	EventsPerS  float64 `json:"events_per_s"`
	TimedOut    bool    `json:"timed_out"`
	LoadSeconds float64 `json:"load_seconds"`
}

// ScaleInfo is the database of the scale figure.
type ScaleInfo struct {
	OrdersStored int     `json:"orders_stored"`
	Loaded       int     `json:"loaded"`
	LoadSeconds  float64 `json:"load_seconds"`
	LoadPerS     float64 `json:"load_orders_per_s"`
}

// LoadInfo is one in-process load of orders.
type LoadInfo struct {
	Kind    string  `json:"kind"`
	Orders  int     `json:"orders"`
	Seconds float64 `json:"seconds"`
}

// RSSInfo is one child's peak resident set.
type RSSInfo struct {
	Stage   string `json:"stage"`
	VmHWMKB int64  `json:"vm_hwm_kb"`
	VmRSSKB int64  `json:"vm_rss_kb"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sideOf(r *Result) Side {
	return Side{Requests: r.Requests, Errors: r.Errors, Unfinished: r.Unfinished, Seconds: r.Elapsed.Seconds(), RPS: r.RPS(),
		P50ms: ms(r.Hist.Quantile(0.50)), P99ms: ms(r.Hist.Quantile(0.99)), MaxMs: ms(r.Hist.Max()), Samples: r.ErrorSamples}
}

func writeJSON(path string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// printTable writes the report as a table.
func printTable(w io.Writer, r *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\treq/s\tp50 ms\tp99 ms\terrors\tceiling req/s\tceiling p99\tratio\t")
	for _, f := range r.Figures {
		ratio := fmt.Sprintf("%.3f", f.Ratio)
		if f.VsEmpty != nil {
			ratio += fmt.Sprintf(" (%.2f× empty)", *f.VsEmpty)
		}
		name := f.Name
		var notes []string
		if f.Exhausted {
			notes = append(notes, "pool used up")
		}
		if f.Unfinished > 0 {
			notes = append(notes, fmt.Sprintf("%d unfinished", f.Unfinished))
		}
		if len(notes) > 0 {
			name += " [" + strings.Join(notes, ", ") + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", name, num(f.RPS), num(f.P50ms), num(f.P99ms), f.Errors,
			num(f.Ceiling.RPS), num(f.Ceiling.P99ms), ratio)
	}
	tw.Flush()
	if d := r.Delivery; d != nil {
		fmt.Fprintf(w, "\ndelivery, commit → receipt at %.0f orders/s (%s achieved) for %.0f s: p50 %s ms, p99 %s ms, max %s ms; %d of %d delivered (%d undelivered after %.0f s, %d ticks missed, %d POST errors); POST p50 %s ms, p99 %s ms\n",
			d.Rate, num(d.Achieved), d.Seconds, num(d.P50ms), num(d.P99ms), num(d.MaxMs), d.Delivered, d.Sent, d.Undelivered, d.WaitSeconds, d.Missed, d.PostErrors, num(d.PostP50ms), num(d.PostP99ms))
	}
	if d := r.Drain; d != nil {
		to := ""
		if d.TimedOut {
			to = " (timed out)"
		}
		fmt.Fprintf(w, "drain of a held backlog: %d of %d events %.2f s after orderhub started = %s events/s%s (ready after %s ms, first receipt after %s ms; backlog loaded in %.1f s)\n",
			d.Received, d.Events, d.Seconds, num(d.EventsPerS), to, num(d.StartMs), num(d.FirstMs), d.LoadSeconds)
	}
	if s := r.Scale; s != nil {
		fmt.Fprintf(w, "scale: %d orders stored (%d loaded in %.1f s, %s orders/s)\n", s.OrdersStored, s.Loaded, s.LoadSeconds, num(s.LoadPerS))
	}
	for _, l := range r.Loads {
		fmt.Fprintf(w, "load %s: %d orders in %.1f s\n", l.Kind, l.Orders, l.Seconds)
	}
	if len(r.PeakRSS) > 0 {
		var parts []string
		for _, p := range r.PeakRSS {
			parts = append(parts, fmt.Sprintf("%s %.1f MB", p.Stage, float64(p.VmHWMKB)/1024))
		}
		fmt.Fprintf(w, "peak RSS (VmHWM) of orderhub: %.1f MB (%s)\n", float64(r.PeakRSSMaxKB)/1024, strings.Join(parts, ", "))
	}
	status := "ok"
	if !r.OK {
		status = fmt.Sprintf("FAILED: %d errors", r.Errors)
	}
	fmt.Fprintf(w, "%s, %.0f s in all\n", status, r.Seconds)
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  error: "+p)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "  note: "+n)
	}
}
