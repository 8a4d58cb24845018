package tableorder

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
)

// Scope is the one scope a QR client can hold.
const Scope = "items:write"

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// oauthError is RFC 6749 §5.2.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// tokenRequest is the client credentials grant, from a JSON or a form body.
type tokenRequest struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Scope        string
	// present records which body parameters were sent.
	present map[string]bool
}

// login is POST /v1/auth/login: the OAuth2 client credentials grant.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	body, err := httpx.ReadBody(r)
	if hub.ErrorCode(err) == hub.CodeTooLarge {
		h.oauthFail(w, http.StatusRequestEntityTooLarge, "invalid_request", hub.PublicMessage(err))
		return
	}
	if err != nil {
		h.oauthFail(w, http.StatusBadRequest, "invalid_request", hub.PublicMessage(err))
		return
	}
	tr, msg := parseTokenRequest(r.Header.Get("Content-Type"), body)
	if msg != "" {
		h.oauthFail(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	basicID, basicSecret, basic, err := httpx.BasicCredentials(r)
	if err != nil {
		h.oauthFail(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	switch {
	case tr.GrantType == "":
		h.oauthFail(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	case tr.GrantType != "client_credentials":
		h.oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
		return
	}
	clientID, secret := tr.ClientID, tr.ClientSecret
	if basic {
		if tr.present["client_secret"] {
			h.oauthFail(w, http.StatusBadRequest, "invalid_request", "use one client authentication method: HTTP Basic or body credentials")
			return
		}
		if tr.ClientID != "" && tr.ClientID != basicID {
			h.oauthFail(w, http.StatusBadRequest, "invalid_request", "client_id does not match the HTTP Basic credentials")
			return
		}
		clientID, secret = basicID, basicSecret
	}
	if clientID == "" || secret == "" {
		// Still a login for the per-address limit.
		if _, _, err := h.Svc.AuthenticateClient(r.Context(), hub.ChannelTableOrder, "", ""); hub.ErrorCode(err) == hub.CodeRateLimited {
			h.rateLimited(w, err)
			return
		}
		h.oauthFail(w, http.StatusUnauthorized, "invalid_client", "client authentication is required (HTTP Basic or client_id and client_secret)")
		return
	}
	if tr.Scope != "" {
		for _, s := range strings.Fields(tr.Scope) {
			if s != Scope {
				h.oauthFail(w, http.StatusBadRequest, "invalid_scope", "the only scope is "+Scope)
				return
			}
		}
	}
	ctx := r.Context()
	partner, cred, err := h.Svc.AuthenticateClient(ctx, hub.ChannelTableOrder, clientID, secret)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeUnauthorized {
			h.oauthFail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
		if hub.ErrorCode(err) == hub.CodeRateLimited {
			h.rateLimited(w, err)
			return
		}
		h.Log.ErrorContext(ctx, "tableorder: login failed", "request_id", httpx.RequestID(ctx), "error", err)
		h.oauthFail(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	if _, err := partner.SoleLocation(); err != nil {
		h.oauthFail(w, http.StatusBadRequest, "unauthorized_client", "this client is not bound to exactly one location")
		return
	}
	token, exp, err := h.Svc.IssueAccessToken(ctx, cred, h.TokenTTL)
	if err != nil {
		h.Log.ErrorContext(ctx, "tableorder: issue token failed", "request_id", httpx.RequestID(ctx), "error", err)
		h.oauthFail(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	resp := tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(h.Svc.Now()).Seconds())}
	if tr.Scope != "" {
		resp.Scope = Scope
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// parseTokenRequest reads a form (application/x-www-form-urlencoded, RFC
// 6749's format) or a JSON object. Without a usable Content-Type the body's
// first character decides. It returns a message for a malformed body.
func parseTokenRequest(contentType string, body []byte) (*tokenRequest, string) {
	tr := &tokenRequest{present: map[string]bool{}}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return tr, ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		(mt != "application/x-www-form-urlencoded" && body[0] == '{')
	if isJSON {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil || m == nil {
			return nil, "the body must be a JSON object"
		}
		for k, v := range m {
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, k + " must be a string"
			}
			tr.set(k, s)
		}
		return tr, ""
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, "the body must be application/x-www-form-urlencoded or JSON"
	}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, k + " must not be repeated"
		}
		tr.set(k, vs[0])
	}
	return tr, ""
}

func (tr *tokenRequest) set(k, v string) {
	v = strings.TrimSpace(v)
	switch k {
	case "grant_type":
		tr.GrantType = v
	case "client_id":
		tr.ClientID = v
	case "client_secret":
		tr.ClientSecret = v
	case "scope":
		tr.Scope = v
	default:
		return
	}
	if v != "" {
		tr.present[k] = true
	}
}

// rateLimited answers a login over the per-address limit: 429 with
// Retry-After, in the OAuth2 error envelope (RFC 6749 has no code for it;
// "slow_down" is RFC 8628's, the one OAuth2 clients know).
func (h *Handler) rateLimited(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", strconv.Itoa(hub.RetryAfterSeconds(err)))
	h.oauthFail(w, http.StatusTooManyRequests, "slow_down", hub.PublicMessage(err))
}

// oauthFail writes an RFC 6749 error. A 401 carries WWW-Authenticate:
// Basic (the scheme a client may use), as §5.2 asks.
func (h *Handler) oauthFail(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="orderhub"`)
	}
	httpx.WriteJSON(w, status, oauthError{Error: code, Description: desc})
}
