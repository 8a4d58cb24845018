package hub

import (
	"math"
	"testing"
)

func TestCurrencyExponent(t *testing.T) {
	tests := []struct {
		currency string
		want     int
	}{
		{"KRW", 0}, {"krw", 0}, {"JPY", 0}, {"VND", 0},
		{"USD", 2}, {"HKD", 2}, {"EUR", 2}, {"SGD", 2},
		{"BHD", 3}, {"KWD", 3}, {"TND", 3},
		{"XYZ", 2}, {"", 2},
	}
	for _, tt := range tests {
		if got := CurrencyExponent(tt.currency); got != tt.want {
			t.Errorf("CurrencyExponent(%q) = %d, want %d", tt.currency, got, tt.want)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"KRW", true}, {"USD", true}, {"krw", false}, {"KR", false}, {"KRWW", false},
		{"K1W", false}, {"", false}, {"원화", false},
	}
	for _, tt := range tests {
		if got := ValidCurrency(tt.code); got != tt.want {
			t.Errorf("ValidCurrency(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		exponent int
		want     int64
		err      bool
	}{
		// The seeds' wire formats.
		{"zeek decimal string", "45.40", 2, 4540, false},
		{"one fractional digit", "45.4", 2, 4540, false},
		{"no fractional digits", "45", 2, 4500, false},
		{"junglebook digit string", "7600", 0, 7600, false},
		{"zero decimals that are zeros", "7600.00", 0, 7600, false},
		{"exponent 0 with a single zero", "7600.0", 0, 7600, false},
		{"exponent 0 with a real fraction", "7600.5", 0, 0, true},
		{"extra zero decimals", "1.000", 2, 100, false},
		{"sub-minor unit refused, not rounded", "1.005", 2, 0, true},
		{"sub-minor unit refused, rounding down", "1.001", 2, 0, true},
		{"three decimals", "1.005", 3, 1005, false},
		{"small", "0.01", 2, 1, false},
		{"zero", "0", 2, 0, false},
		{"zero with decimals", "0.00", 2, 0, false},
		{"leading zeros", "007.50", 2, 750, false},
		{"leading dot", ".5", 2, 50, false},
		{"negative", "-1.5", 2, -150, false},
		{"negative zero", "-0.00", 2, 0, false},
		{"plus sign", "+2.25", 2, 225, false},
		{"surrounding space", " 45.40\n", 2, 4540, false},
		{"largest", "92233720368547758.07", 2, math.MaxInt64, false},
		{"largest, exponent 0", "9223372036854775807", 0, math.MaxInt64, false},
		{"negative largest", "-92233720368547758.07", 2, -math.MaxInt64, false},
		// FormatDecimal(math.MinInt64) parses back (a fuzz crasher).
		{"smallest", "-92233720368547758.08", 2, math.MinInt64, false},
		{"smallest, exponent 0", "-9223372036854775808", 0, math.MinInt64, false},
		{"negative overflow", "-92233720368547758.09", 2, 0, true},
		{"many leading zeros", "000000000000000000000000001", 0, 1, false},
		// Refused.
		{"overflow", "92233720368547758.08", 2, 0, true},
		{"overflow, exponent 0", "9223372036854775808", 0, 0, true},
		{"overflow by exponent", "100000000000000000", 2, 0, true},
		{"empty", "", 2, 0, true},
		{"blank", "   ", 2, 0, true},
		{"sign only", "-", 2, 0, true},
		{"plus only", "+", 2, 0, true},
		{"dot only", ".", 2, 0, true},
		{"trailing dot", "5.", 2, 0, true},
		{"two dots", "1.2.3", 2, 0, true},
		{"two signs", "--1", 2, 0, true},
		{"sign after digits", "1-", 2, 0, true},
		{"letters", "abc", 2, 0, true},
		{"exponent notation", "1e3", 2, 0, true},
		{"thousands separator", "1,000", 2, 0, true},
		{"decimal comma", "45,40", 2, 0, true},
		{"inner space", "1 000", 2, 0, true},
		{"hex", "0x10", 0, 0, true},
		{"currency symbol", "$5", 2, 0, true},
		{"non-ASCII digits", "٥", 0, 0, true},
		{"NaN", "NaN", 2, 0, true},
		{"Inf", "Inf", 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDecimal(tt.in, tt.exponent)
			if tt.err {
				checkErr(t, err, &wantErr{code: CodeInvalid})
				if got != 0 {
					t.Errorf("value %d with an error", got)
				}
				return
			}
			checkErr(t, err, nil)
			if got != tt.want {
				t.Errorf("ParseDecimal(%q, %d) = %d, want %d", tt.in, tt.exponent, got, tt.want)
			}
		})
	}
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		v        int64
		exponent int
		want     string
	}{
		{4540, 2, "45.40"},
		{4500, 2, "45.00"},
		{7600, 0, "7600"},
		{0, 0, "0"},
		{0, 2, "0.00"},
		{0, 3, "0.000"},
		{1, 2, "0.01"},
		{9, 2, "0.09"},
		{10, 2, "0.10"},
		{99, 2, "0.99"},
		{100, 2, "1.00"},
		{5, 3, "0.005"},
		{1005, 3, "1.005"},
		{-1, 2, "-0.01"},
		{-150, 2, "-1.50"},
		{-7600, 0, "-7600"},
		{-5, 3, "-0.005"},
		{math.MaxInt64, 2, "92233720368547758.07"},
		{math.MaxInt64, 0, "9223372036854775807"},
		{math.MinInt64, 2, "-92233720368547758.08"},
		{math.MinInt64, 0, "-9223372036854775808"},
	}
	for _, tt := range tests {
		if got := FormatDecimal(tt.v, tt.exponent); got != tt.want {
			t.Errorf("FormatDecimal(%d, %d) = %q, want %q", tt.v, tt.exponent, got, tt.want)
		}
	}
}

func TestDecimalRoundTrip(t *testing.T) {
	values := []int64{math.MaxInt64, -math.MaxInt64, MaxAmount, -MaxAmount}
	for v := int64(-1100); v <= 1100; v++ {
		values = append(values, v)
	}
	// Every power of ten and its neighbours, both signs.
	for p := int64(1); ; p *= 10 {
		values = append(values, p-1, p, p+1, -(p - 1), -p, -(p + 1))
		if p > math.MaxInt64/10 { // p is 10^18
			break
		}
	}
	// A deterministic spread over the whole range.
	x := uint64(0x9E3779B97F4A7C15)
	for range 2000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v := int64(x)
		if v == math.MinInt64 {
			continue
		}
		values = append(values, v, v>>20, v>>40)
	}
	for _, exponent := range []int{0, 1, 2, 3, 4} {
		for _, v := range values {
			s := FormatDecimal(v, exponent)
			got, err := ParseDecimal(s, exponent)
			if err != nil || got != v {
				t.Fatalf("exponent %d: %d → %q → %d, %v", exponent, v, s, got, err)
			}
		}
	}
}

func TestAmountHelpers(t *testing.T) {
	tests := []struct {
		currency, in string
		want         int64
		out          string
	}{
		{"USD", "45.4", 4540, "45.40"},
		{"KRW", "7600.00", 7600, "7600"},
		{"krw", "7600", 7600, "7600"},
		{"BHD", "1.5", 1500, "1.500"},
		{"VND", "-25000", -25000, "-25000"},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, tt.currency)
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.in, tt.currency, got, err, tt.want)
		}
		if s := FormatAmount(got, tt.currency); s != tt.out {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", got, tt.currency, s, tt.out)
		}
	}
	if _, err := ParseAmount("0.5", "KRW"); err == nil {
		t.Errorf("ParseAmount(0.5 KRW) accepted half a won")
	}
}

func TestMulQty(t *testing.T) {
	tests := []struct {
		name string
		unit int64
		qty  int
		want int64
		ok   bool
	}{
		{"simple", 4540, 3, 13620, true},
		{"zero quantity", math.MaxInt64, 0, 0, true},
		{"zero unit", 0, 9999, 0, true},
		{"negative unit", -500, 3, -1500, true},
		{"largest", math.MaxInt64, 1, math.MaxInt64, true},
		{"half of the range twice", math.MaxInt64 / 2, 2, math.MaxInt64 - 1, true},
		{"overflow", math.MaxInt64/2 + 1, 2, 0, false},
		{"overflow wide", math.MaxInt64 / 3, 9999, 0, false},
		{"negative overflow", math.MinInt64/2 - 1, 2, 0, false},
		{"bounded amounts never overflow", MaxAmount, MaxLineQuantity, MaxAmount * MaxLineQuantity, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MulQty(tt.unit, tt.qty)
			if got != tt.want || ok != tt.ok {
				t.Errorf("MulQty(%d, %d) = %d, %v; want %d, %v", tt.unit, tt.qty, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestAddAmounts(t *testing.T) {
	tests := []struct {
		name string
		a, b int64
		want int64
		ok   bool
	}{
		{"simple", 1000, 234, 1234, true},
		{"negative", 1000, -1234, -234, true},
		{"to the max", math.MaxInt64 - 1, 1, math.MaxInt64, true},
		{"over the max", math.MaxInt64, 1, 0, false},
		{"to the min", math.MinInt64 + 1, -1, math.MinInt64, true},
		{"under the min", math.MinInt64, -1, 0, false},
		{"max plus min", math.MaxInt64, math.MinInt64, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AddAmounts(tt.a, tt.b)
			if got != tt.want || ok != tt.ok {
				t.Errorf("AddAmounts(%d, %d) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
			}
		})
	}
}
