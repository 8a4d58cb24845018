package testutil

import (
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape GETs baseURL+"/metrics" (with "Authorization: Bearer token" when
// token is set). On 200 it parses the text exposition format strictly
// (ParseMetrics); otherwise series and types are nil.
func Scrape(t testing.TB, baseURL, token string) (status int, series map[string]float64, types map[string]string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil, nil
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("/metrics Content-Type = %q, want the text format 0.0.4", ct)
	}
	series, types = ParseMetrics(t, res.Body)
	return res.StatusCode, series, types
}

// ParseMetrics reads the text exposition format (expfmt's parser refuses
// what is malformed, a family twice included) into its samples, keyed
// name{label="value",...} with labels sorted by name (name alone when
// there are none); a histogram gives its _bucket (with le), _sum and
// _count series, a summary its quantiles, _sum and _count. types maps each
// family to its type in lower case ("counter", "gauge", "histogram", ...).
func ParseMetrics(t testing.TB, r io.Reader) (series map[string]float64, types map[string]string) {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("/metrics is not the text format: %v", err)
	}
	series, types = map[string]float64{}, map[string]string{}
	add := func(name string, labels []*dto.LabelPair, extra []string, v float64) {
		pairs := make([]string, 0, len(labels)+1)
		for _, l := range labels {
			pairs = append(pairs, l.GetName()+"="+strconv.Quote(l.GetValue()))
		}
		for i := 0; i+1 < len(extra); i += 2 {
			pairs = append(pairs, extra[i]+"="+strconv.Quote(extra[i+1]))
		}
		slices.Sort(pairs)
		key := name
		if len(pairs) > 0 {
			key += "{" + strings.Join(pairs, ",") + "}"
		}
		if _, dup := series[key]; dup {
			t.Errorf("/metrics repeats the series %s", key)
		}
		series[key] = v
	}
	for name, f := range fams {
		types[name] = strings.ToLower(f.GetType().String())
		for _, m := range f.GetMetric() {
			l := m.GetLabel()
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(name, l, nil, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, l, nil, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add(name, l, nil, m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, b := range h.GetBucket() {
					inf = inf || math.IsInf(b.GetUpperBound(), 1)
					add(name+"_bucket", l, []string{"le", formatBound(b.GetUpperBound())}, float64(b.GetCumulativeCount()))
				}
				if !inf {
					add(name+"_bucket", l, []string{"le", "+Inf"}, float64(h.GetSampleCount()))
				}
				add(name+"_sum", l, nil, h.GetSampleSum())
				add(name+"_count", l, nil, float64(h.GetSampleCount()))
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					add(name, l, []string{"quantile", formatBound(q.GetQuantile())}, q.GetValue())
				}
				add(name+"_sum", l, nil, s.GetSampleSum())
				add(name+"_count", l, nil, float64(s.GetSampleCount()))
			}
		}
	}
	return series, types
}

func formatBound(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
