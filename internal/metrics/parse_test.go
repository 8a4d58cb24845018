package metrics_test

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Sample is one parsed line.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Key is name{a="x",b="y"} with labels sorted.
func (s Sample) Key() string { return key(s.Name, s.Labels) }

func key(name string, labels map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(mapsKeys(labels)) {
		parts = append(parts, k+"="+strconv.Quote(labels[k]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	types      = map[string]bool{"counter": true, "gauge": true, "histogram": true, "summary": true, "untyped": true}
)

// Parse reads the text exposition format (0.0.4) strictly: every line is
// a HELP, a TYPE or a sample; HELP and TYPE come once per family, before
// its samples; a family's samples are contiguous and belong to its TYPE
// (a histogram's _bucket, _sum, _count); label values use only the \\, \"
// and \n escapes; no series repeats; histogram buckets are cumulative and
// end with le="+Inf" equal to _count. It returns the samples by Key and
// each family's type.
func Parse(text string) (map[string]Sample, map[string]string, error) {
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, nil, fmt.Errorf("no final newline")
	}
	samples := map[string]Sample{}
	typ := map[string]string{}
	help := map[string]bool{}
	done := map[string]bool{} // families whose samples have ended
	current := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 || f[0] != "#" || (f[1] != "HELP" && f[1] != "TYPE") {
				return nil, nil, fmt.Errorf("line %d: a comment that is neither HELP nor TYPE: %q", n, line)
			}
			name := f[2]
			if !metricName.MatchString(name) {
				return nil, nil, fmt.Errorf("line %d: bad metric name %q", n, name)
			}
			if current != "" && current != name {
				done[current] = true
			}
			if done[name] {
				return nil, nil, fmt.Errorf("line %d: %s declared after its samples", n, name)
			}
			current = name
			switch f[1] {
			case "HELP":
				if help[name] {
					return nil, nil, fmt.Errorf("line %d: second HELP for %s", n, name)
				}
				help[name] = true
				if len(f) == 4 {
					if err := checkEscapes(f[3], false); err != nil {
						return nil, nil, fmt.Errorf("line %d: HELP: %v", n, err)
					}
				}
			case "TYPE":
				if typ[name] != "" {
					return nil, nil, fmt.Errorf("line %d: second TYPE for %s", n, name)
				}
				if len(f) != 4 || !types[f[3]] {
					return nil, nil, fmt.Errorf("line %d: bad TYPE %q", n, line)
				}
				typ[name] = f[3]
			}
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %v: %q", n, err, line)
		}
		fam := family(s.Name, typ)
		if fam == "" {
			return nil, nil, fmt.Errorf("line %d: sample of %s without a TYPE", n, s.Name)
		}
		if fam != current {
			if done[fam] {
				return nil, nil, fmt.Errorf("line %d: samples of %s are not contiguous", n, fam)
			}
			done[current] = true
			current = fam
		}
		if typ[fam] == "histogram" {
			if _, ok := s.Labels["le"]; (s.Name == fam+"_bucket") != ok {
				return nil, nil, fmt.Errorf("line %d: le label on the wrong histogram line", n)
			}
		}
		if _, dup := samples[s.Key()]; dup {
			return nil, nil, fmt.Errorf("line %d: series %s repeated", n, s.Key())
		}
		samples[s.Key()] = s
	}
	if err := checkHistograms(samples, typ); err != nil {
		return nil, nil, err
	}
	return samples, typ, nil
}

// family is the declared family a sample name belongs to.
func family(name string, typ map[string]string) string {
	if typ[name] != "" && typ[name] != "histogram" {
		return name
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && typ[base] == "histogram" {
			return base
		}
	}
	return ""
}

func parseSample(line string) (Sample, error) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no value")
	}
	s.Name = line[:i]
	if !metricName.MatchString(s.Name) {
		return s, fmt.Errorf("bad metric name")
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") && len(s.Labels) == 0 {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 || !labelName.MatchString(rest[:eq]) {
				return s, fmt.Errorf("bad label name")
			}
			name := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 == len(rest) {
						return s, fmt.Errorf("dangling escape")
					}
					switch rest[j+1] {
					case '\\':
						v.WriteByte('\\')
					case '"':
						v.WriteByte('"')
					case 'n':
						v.WriteByte('\n')
					default:
						return s, fmt.Errorf("bad escape \\%c", rest[j+1])
					}
					j++
					continue
				}
				if c == '\n' {
					return s, fmt.Errorf("raw newline in a label value")
				}
				if c == '"' {
					rest, closed = rest[j+1:], true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return s, fmt.Errorf("unterminated label value")
			}
			if _, dup := s.Labels[name]; dup {
				return s, fmt.Errorf("label %s repeated", name)
			}
			s.Labels[name] = v.String()
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			if !strings.HasPrefix(rest, ",") {
				return s, fmt.Errorf("expected , or }")
			}
			rest = rest[1:]
			if strings.HasPrefix(rest, "}") {
				return s, fmt.Errorf("trailing comma (we never write one)")
			}
		}
	}
	value, ok := strings.CutPrefix(rest, " ")
	if !ok || value == "" || strings.Contains(value, " ") {
		return s, fmt.Errorf("expected one space and a value (no timestamps here)")
	}
	v, err := parseValue(value)
	if err != nil {
		return s, err
	}
	s.Value = v
	return s, nil
}

func parseValue(v string) (float64, error) {
	switch v {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || strings.ContainsAny(v, "_xXpP") || strings.EqualFold(v, "inf") || strings.EqualFold(v, "infinity") {
		return 0, fmt.Errorf("bad value %q", v)
	}
	return f, nil
}

func checkEscapes(s string, quotes bool) error {
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' {
			continue
		}
		if j+1 == len(s) {
			return fmt.Errorf("dangling escape")
		}
		switch s[j+1] {
		case '\\', 'n':
		case '"':
			if !quotes {
				return fmt.Errorf(`\" in HELP`)
			}
		default:
			return fmt.Errorf("bad escape \\%c", s[j+1])
		}
		j++
	}
	return nil
}

// checkHistograms: per series, buckets ascend in le and count, the last is
// +Inf and equals _count, and _sum exists.
func checkHistograms(samples map[string]Sample, typ map[string]string) error {
	type series struct {
		les    []float64
		counts map[float64]float64
	}
	all := map[string]*series{}
	for _, s := range samples {
		base, ok := strings.CutSuffix(s.Name, "_bucket")
		if !ok || typ[base] != "histogram" {
			continue
		}
		le, err := parseValue(s.Labels["le"])
		if err != nil {
			return fmt.Errorf("%s: le: %v", s.Key(), err)
		}
		rest := map[string]string{}
		for k, v := range s.Labels {
			if k != "le" {
				rest[k] = v
			}
		}
		k := key(base, rest)
		if all[k] == nil {
			all[k] = &series{counts: map[float64]float64{}}
		}
		all[k].les = append(all[k].les, le)
		all[k].counts[le] = s.Value
	}
	for k, h := range all {
		slices.Sort(h.les)
		prev := -1.0
		for _, le := range h.les {
			if h.counts[le] < prev {
				return fmt.Errorf("%s: buckets are not cumulative", k)
			}
			prev = h.counts[le]
		}
		if !math.IsInf(h.les[len(h.les)-1], 1) {
			return fmt.Errorf("%s: no +Inf bucket", k)
		}
		name, labels, _ := strings.Cut(k, "{")
		count, ok := samples[name+"_count{"+labels]
		if !ok || count.Value != prev {
			return fmt.Errorf("%s: _count missing or not the +Inf bucket", k)
		}
		if _, ok := samples[name+"_sum{"+labels]; !ok {
			return fmt.Errorf("%s: no _sum", k)
		}
	}
	return nil
}

func TestParserRefuses(t *testing.T) {
	for _, bad := range []string{
		"x 1",                                 // no TYPE
		"# TYPE x counter\nx 1",               // no final newline
		"# TYPE x counter\nx{a=\"b\\t\"} 1\n", // bad escape
		"# TYPE x counter\nx{a=\"b\"} 1\nx{a=\"b\"} 2\n",                                          // repeated
		"# TYPE x counter\nx{a=\"b} 1\n",                                                          // unterminated
		"# TYPE x counter\nx{a=\"b\",} 1\n",                                                       // trailing comma
		"# TYPE x counter\nx  1\n",                                                                // two spaces
		"# TYPE x counter\nx one\n",                                                               // value
		"# TYPE x counter\n# TYPE y gauge\ny 1\nx 1\n",                                            // x declared after... no samples; y then x is not contiguous for x? x had none
		"# TYPE x counter\nx 1\n# TYPE y gauge\ny 1\nx 2\n",                                       // not contiguous
		"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",                          // no +Inf
		"# TYPE x counter\n# TYPE x counter\nx 1\n",                                               // second TYPE
		"# random comment\n",
	} {
		if _, _, err := Parse(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	good := "# HELP x a \\\\ b\\n\n# TYPE x counter\nx{a=\"q\\\"\\\\\\n\"} 1\nx 2\n"
	s, _, err := Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	if s[key("x", map[string]string{"a": "q\"\\\n"})].Value != 1 {
		t.Errorf("escapes: %v", s)
	}
}
