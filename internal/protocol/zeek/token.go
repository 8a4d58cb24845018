package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
)

// tokenData is GetAccessToken's answer.
type tokenData struct {
	TokenType   string `json:"token_type"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// token is GetAccessToken: client credentials for a bearer token.
func (h *Handler) token(ctx context.Context, c *call) answer {
	r := c.reader()
	m := tokenBody(r, c)
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	id, _ := r.str(m["client_id"], "client_id", true)
	secret, _ := r.str(m["client_secret"], "client_secret", true)
	if grant, ok := r.str(m["grant_type"], "grant_type", false); ok && grant != "" && grant != "client_credentials" {
		r.fail("grant_type", kindOneOf, "client_credentials")
	}
	if scope, ok := r.str(m["scope"], "scope", false); ok && scope != "" && scope != "all" {
		r.fail("scope", kindOneOf, "all")
	}
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	partner, cred, err := h.Svc.AuthenticateClient(ctx, hub.ChannelZeek, id, secret)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeUnauthorized {
			return errorAnswer(http.StatusBadRequest, codeBadClient, text(codeBadClient, c.lang))
		}
		return h.serviceError(ctx, c, err, nil)
	}
	c.partner = partner
	return h.replayed(ctx, c, httpx.Rerun, func(ctx context.Context) answer {
		tok, _, err := h.Svc.IssueAccessToken(ctx, cred, h.TokenTTL)
		if err != nil {
			return h.serviceError(ctx, c, err, nil)
		}
		return ok(tokenData{TokenType: "Bearer", AccessToken: tok, ExpiresIn: int64(h.TokenTTL.Seconds()), Scope: "all"})
	})
}

// tokenBody reads the seed's JSON body (wrapped or bare) or, as OAuth2
// clients often send it, a form (application/x-www-form-urlencoded).
func tokenBody(r *reader, c *call) map[string]json.RawMessage {
	// A JSON object labelled as a form (curl -d '{...}' without -H) is
	// read as JSON: no form starts with "{".
	isJSON := bytes.HasPrefix(bytes.TrimSpace(c.body), []byte("{"))
	if mt, _, _ := mime.ParseMediaType(c.header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && !isJSON {
		v, err := url.ParseQuery(string(c.body))
		if err != nil {
			r.fail("body", kindService, "")
			return nil
		}
		m := map[string]json.RawMessage{}
		for _, k := range []string{"client_id", "client_secret", "grant_type", "scope"} {
			if s := v.Get(k); s != "" {
				b, _ := json.Marshal(s)
				m[k] = b
			}
		}
		return m
	}
	return r.body(c.body)
}
