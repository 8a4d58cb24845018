package delivery

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// SecretPrefix starts a Standard Webhooks secret.
const SecretPrefix = "whsec_"

// NewSecret returns a fresh endpoint secret: whsec_ and the standard
// base64 of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SecretKey is the HMAC key of a secret: the base64-decoded part of a
// whsec_ secret (Standard Webhooks), or the bytes of any other secret as
// written (a partner callback secret such as ohcb_...).
func SecretKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return []byte(secret), nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(rest); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("webhook secret is not whsec_ followed by base64")
}

// SignStandard returns the webhook-signature header value: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per key, space-separated
// (two during a rotation).
func SignStandard(keys [][]byte, id string, timestamp int64, body []byte) string {
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write([]byte(strconv.FormatInt(timestamp, 10)))
		m.Write([]byte{'.'})
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " ")
}

// SignKSHex returns the KS-Signature header value: hex HMAC-SHA256 over
// timestamp + "." + body (DESIGN.md §4, seed 003).
func SignKSHex(key []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
