package hub

import (
	"math"
	"strconv"
	"strings"
)

// Money is an amount in minor units of an ISO 4217 currency. Inside orderhub
// money is never a float: partners' wire formats (decimal strings, JSON
// numbers in major units, digit strings) are converted exactly at the edge
// with ParseDecimal / FormatDecimal.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// currencyExponents lists ISO 4217 minor-unit exponents that differ from 2.
// Currencies not listed use 2, as most do.
var currencyExponents = map[string]int{
	"KRW": 0, "JPY": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0,
	"XAF": 0, "XOF": 0, "XPF": 0, "KMF": 0, "GNF": 0, "RWF": 0, "VUV": 0, "DJF": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "IQD": 3, "LYD": 3, "TND": 3,
}

// CurrencyExponent is the number of minor-unit digits of an ISO 4217 code.
func CurrencyExponent(currency string) int {
	if e, ok := currencyExponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// ValidCurrency reports whether code looks like an ISO 4217 code (three
// upper-case letters).
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseDecimal converts a decimal string in major units ("45.40", "7600",
// "-1.5") into minor units of a currency with the given exponent, exactly.
// Extra fractional digits are accepted only when they are zeros: "7600.00"
// is 7600 KRW, "1.005" USD is refused rather than rounded.
func ParseDecimal(s string, exponent int) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Errorf(CodeInvalid, "empty amount")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return 0, Errorf(CodeInvalid, "amount %q is not a decimal number", s)
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, Errorf(CodeInvalid, "amount %q is not a decimal number", s)
	}
	if hasDot && frac == "" {
		return 0, Errorf(CodeInvalid, "amount %q is not a decimal number", s)
	}
	if len(frac) > exponent {
		if strings.Trim(frac[exponent:], "0") != "" {
			return 0, Errorf(CodeInvalid, "amount %q has more than %d decimal places", s, exponent)
		}
		frac = frac[:exponent]
	}
	frac += strings.Repeat("0", exponent-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	// The sign is parsed with the digits: -9223372036854775808 (what
	// FormatDecimal writes for math.MinInt64) has no positive counterpart.
	if neg {
		digits = "-" + digits
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, Errorf(CodeInvalid, "amount %q is out of range", s)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatDecimal renders minor units as a decimal string in major units with
// exactly exponent fractional digits: 4540, 2 → "45.40"; 7600, 0 → "7600".
func FormatDecimal(v int64, exponent int) string {
	neg := v < 0
	var u uint64
	if neg {
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(v)
	}
	s := strconv.FormatUint(u, 10)
	if exponent > 0 {
		if len(s) <= exponent {
			s = strings.Repeat("0", exponent-len(s)+1) + s
		}
		s = s[:len(s)-exponent] + "." + s[len(s)-exponent:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseAmount parses a decimal string for a currency.
func ParseAmount(s, currency string) (int64, error) {
	return ParseDecimal(s, CurrencyExponent(currency))
}

// FormatAmount formats minor units for a currency.
func FormatAmount(v int64, currency string) string {
	return FormatDecimal(v, CurrencyExponent(currency))
}

// MulQty multiplies a unit amount by a quantity, refusing overflow.
func MulQty(unit int64, qty int) (int64, bool) {
	if qty == 0 || unit == 0 {
		return 0, true
	}
	r := unit * int64(qty)
	if r/int64(qty) != unit || (unit > 0 && r < 0) {
		return 0, false
	}
	return r, true
}

// AddAmounts adds, refusing overflow.
func AddAmounts(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}
