package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/auth"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Dashboard logins (internal/ui): admins, their sessions, and the throttle
// on guessing passwords. Sessions and failure counters live in the
// database (migration 0010), so every node serves every login, a restart
// keeps them, and the throttle counts guesses made at any node.

// The throttle: at most LoginAccountFailures failed logins per user name
// and LoginAddressFailures per client address in a LoginWindow that
// starts at the first failure; beyond that, logins from that address are
// refused, unchecked, until the window ends, and so are logins of that
// name from any address that has itself failed in the window. An address
// with no failure of its own still has its password checked against a
// locked name: a guesser cannot lock the admin out of the counter, and
// each further address it uses buys it one guess before the name's lock
// holds there too. A successful login clears its name's counter (not the
// address's: one right password must not reset a guesser working through
// many names).
const (
	LoginWindow          = 15 * time.Minute
	LoginAccountFailures = 5
	LoginAddressFailures = 20
	// MinAdminPassword is the shortest password an admin may have.
	MinAdminPassword = 12
)

// ReasonLoginThrottled refuses a login during a throttle window; the
// error's "retry_after" detail is the seconds left.
const ReasonLoginThrottled hub.Reason = "login_throttled"

// Admin is a dashboard login as listed (never its hash).
type Admin struct {
	Username  string    `json:"username"`
	CreatedAt time.Time `json:"created_at"`
}

// checkUsername: 1 to 64 letters, digits and . _ - @.
func checkUsername(name string) error {
	if name == "" || len(name) > 64 {
		return hub.Invalid("username", "must be 1 to 64 characters")
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)
		if !ok {
			return hub.Invalid("username", "may hold only letters, digits and . _ - @")
		}
	}
	return nil
}

func hashAdminPassword(password string) (string, error) {
	if len(password) < MinAdminPassword {
		return "", hub.Invalid("password", "must be at least %d characters", MinAdminPassword)
	}
	if len(password) > 1024 {
		return "", hub.Invalid("password", "must be at most 1024 characters")
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return "", hub.Internal(err, "hash password")
	}
	return h, nil
}

// CreateAdmin stores a dashboard login with a PBKDF2 password hash (the
// CLI's admin create and the demo both come here). A taken name is a
// conflict.
func (s *Service) CreateAdmin(ctx context.Context, username, password string) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	h, err := hashAdminPassword(password)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAdminPassword, Lookup: username, SecretHash: h, CreatedAt: s.Now()}); err != nil {
			return err
		}
		// A name created again after its removal starts unlocked.
		return tx.ClearLoginFailures(ctx, accountKey(username))
	})
	if hub.ErrorCode(err) == hub.CodeConflict {
		return hub.Conflict(hub.ReasonNone, "admin %q already exists", username).WithField("username")
	}
	return err
}

// adminCredential reads an admin inside a unit (not found names it).
func adminCredential(ctx context.Context, r store.Reader, username string) (*store.Credential, error) {
	c, err := r.CredentialByLookup(ctx, store.CredAdminPassword, username)
	if hub.ErrorCode(err) == hub.CodeNotFound {
		return nil, hub.NotFound("there is no admin %q", username).WithField("username")
	}
	return c, err
}

// SetAdminPassword changes an admin's password and ends the admin's
// sessions (whoever knew the old one is logged out everywhere).
func (s *Service) SetAdminPassword(ctx context.Context, username, password string) error {
	h, err := hashAdminPassword(password)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		c, err := adminCredential(ctx, tx, username)
		if err != nil {
			return err
		}
		if err := tx.SetCredentialSecret(ctx, c.ID, h); err != nil {
			return err
		}
		// The lockout message sends the operator to an admin for a new
		// password: the new password unlocks the name (not its address).
		if err := tx.ClearLoginFailures(ctx, accountKey(username)); err != nil {
			return err
		}
		_, err = tx.DeleteAdminSessions(ctx, username)
		return err
	})
}

// ListAdmins lists the dashboard logins by name.
func (s *Service) ListAdmins(ctx context.Context) ([]Admin, error) {
	cs, err := s.store.ListAdmins(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Admin, 0, len(cs))
	for _, c := range cs {
		out = append(out, Admin{Username: c.Lookup, CreatedAt: c.CreatedAt})
	}
	return out, nil
}

// RemoveAdmin deletes an admin and its sessions, in one unit.
func (s *Service) RemoveAdmin(ctx context.Context, username string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		c, err := adminCredential(ctx, tx, username)
		if err != nil {
			return err
		}
		if err := tx.DeleteCredential(ctx, c.ID); err != nil {
			return err
		}
		_, err = tx.DeleteAdminSessions(ctx, username)
		return err
	})
}

// AuthenticateAdmin checks a dashboard login's password (no throttle: see
// Login).
func (s *Service) AuthenticateAdmin(ctx context.Context, username, password string) error {
	c, _, err := s.lookup(ctx, store.CredAdminPassword, username)
	if err != nil {
		// Spend the same time as a real check so that user names cannot
		// be probed by timing.
		auth.CheckPassword(password, "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		return err
	}
	if !c.Live(s.Now()) || !auth.CheckPassword(password, c.SecretHash) {
		return errUnauthorized
	}
	return nil
}

// LoginInput is a login attempt at the dashboard.
type LoginInput struct {
	Username, Password string
	// Address is the client's address (the throttle's second key).
	Address string
	// TTL is how long the session lasts.
	TTL time.Duration
}

// AdminSession is a live login.
type AdminSession struct {
	Username  string
	ExpiresAt time.Time
}

// sessionHash is the at-rest form of a session cookie.
func sessionHash(token string) string {
	sum := sha256.Sum256([]byte("orderhub-session\x00" + token))
	return hex.EncodeToString(sum[:])
}

type throttleKey struct {
	key   string
	limit int
}

// accountKey is the throttle counter of a user name.
func accountKey(username string) string { return "user:" + username }

// throttleKeys are the counters a login attempt is checked against and
// adds to: its address's, and its name's when the name could be an
// admin's (so that no one fills the table with long made-up names).
func throttleKeys(in LoginInput) []throttleKey {
	keys := []throttleKey{{"addr:" + in.Address, LoginAddressFailures}}
	if checkUsername(in.Username) == nil {
		keys = append(keys, throttleKey{accountKey(in.Username), LoginAccountFailures})
	}
	return keys
}

// Login checks a login under the throttle and, when it is right, starts a
// session and returns its token (the cookie; only its hash is stored). A
// throttled login is refused with ReasonLoginThrottled before its
// password is checked; a wrong one is unauthorized and counted.
func (s *Service) Login(ctx context.Context, in LoginInput) (string, error) {
	now := s.Now()
	addressFailed := false
	for i, k := range throttleKeys(in) {
		n, start, err := s.store.LoginFailures(ctx, k.key)
		if err != nil {
			return "", err
		}
		inWindow := start.Add(LoginWindow).After(now)
		if i == 0 { // the address's own counter comes first
			addressFailed = n > 0 && inWindow
		} else if !addressFailed {
			continue // a locked name is still checked from a clean address
		}
		if left := start.Add(LoginWindow).Sub(now); n >= k.limit && left > 0 {
			mins := int((left + time.Minute - 1) / time.Minute)
			return "", (&hub.Error{Code: hub.CodeForbidden, Reason: ReasonLoginThrottled,
				Message: "too many failed logins: try again in " + strconv.Itoa(mins) + " min"}).
				WithDetail("retry_after", int(left.Seconds()+0.999))
		}
	}
	if err := s.AuthenticateAdmin(ctx, in.Username, in.Password); err != nil {
		if hub.ErrorCode(err) != hub.CodeUnauthorized {
			return "", err
		}
		if werr := s.store.Update(ctx, func(tx store.Tx) error {
			for _, k := range throttleKeys(in) {
				if _, err := tx.AddLoginFailure(ctx, k.key, now, now.Add(-LoginWindow)); err != nil {
					return err
				}
			}
			return nil
		}); werr != nil {
			return "", werr
		}
		return "", err
	}
	token := auth.NewSecret("")
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteStaleLogins(ctx, now, now.Add(-LoginWindow)); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(ctx, accountKey(in.Username)); err != nil {
			return err
		}
		return tx.CreateAdminSession(ctx, &store.AdminSession{TokenHash: sessionHash(token), Username: in.Username,
			CreatedAt: now, ExpiresAt: now.Add(in.TTL)})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Session returns the live session of a token; an unknown or expired one
// is unauthorized.
func (s *Service) Session(ctx context.Context, token string) (*AdminSession, error) {
	if token == "" {
		return nil, errUnauthorized
	}
	a, err := s.store.GetAdminSession(ctx, sessionHash(token))
	if hub.ErrorCode(err) == hub.CodeNotFound {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !s.Now().Before(a.ExpiresAt) {
		return nil, errUnauthorized
	}
	return &AdminSession{Username: a.Username, ExpiresAt: a.ExpiresAt}, nil
}

// Logout ends a session (nothing when there is none).
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteAdminSession(ctx, sessionHash(token)) })
}
