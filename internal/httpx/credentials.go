package httpx

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Credentials returns what follows scheme in the request's Authorization
// header ("Authorization: <scheme> <credentials>"), white space trimmed.
// The scheme is compared case-insensitively (RFC 9110 §11.1). ok is false
// when there is no Authorization header or it has another scheme; the
// credentials may be empty ("Bearer" alone), which no caller accepts.
// Every surface reads its keys and tokens through it.
func Credentials(r *http.Request, scheme string) (credentials string, ok bool) {
	got, rest, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if got == "" || !strings.EqualFold(got, scheme) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// ErrMalformedBasic is a Basic Authorization header that cannot be read.
var ErrMalformedBasic = errors.New("malformed HTTP Basic credentials")

// BasicCredentials reads OAuth2 client credentials sent with HTTP Basic,
// each form-urlencoded inside as RFC 6749 §2.3.1 says. sent is false when
// no Basic header was sent; err is ErrMalformedBasic when one was sent but
// cannot be read.
func BasicCredentials(r *http.Request) (id, secret string, sent bool, err error) {
	raw, sent := Credentials(r, "Basic")
	if !sent {
		return "", "", false, nil
	}
	decoded, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", "", true, ErrMalformedBasic
	}
	u, p, found := strings.Cut(string(decoded), ":")
	if !found {
		return "", "", true, ErrMalformedBasic
	}
	if id, err = url.QueryUnescape(u); err != nil {
		return "", "", true, ErrMalformedBasic
	}
	if secret, err = url.QueryUnescape(p); err != nil {
		return "", "", true, ErrMalformedBasic
	}
	return id, secret, true, nil
}
