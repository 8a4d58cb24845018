// Package auth makes and checks secrets. Every secret orderhub issues (API
// keys, client secrets, access tokens, hub tokens) is 32 random bytes, so a
// single SHA-256 is a sufficient hash at rest: there is nothing to guess.
// Only human passwords (the dashboard login) get a slow hash, PBKDF2-SHA256.
// Comparisons of secrets are constant-time.
package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// NewSecret returns a random secret with a readable prefix ("ohk_...").
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing is safe
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a short random identifier (client ids, usernames).
func NewID(prefix string, n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// Hash is the at-rest form of a high-entropy secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Equal compares two strings in constant time (for equal lengths).
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// CheckHash reports whether secret hashes to stored, in constant time.
func CheckHash(secret, stored string) bool {
	return Equal(Hash(secret), stored)
}

// Hint is the non-secret start of a secret, for operators to recognise it.
func Hint(secret string) string {
	if len(secret) <= 8 {
		return ""
	}
	return secret[:8] + "…"
}

const pbkdf2Iterations = 210_000

// HashPassword hashes a human password with PBKDF2-SHA256 and a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", pbkdf2Iterations,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword verifies a password against HashPassword's output.
func CheckPassword(password, stored string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
