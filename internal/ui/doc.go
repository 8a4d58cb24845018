// Package ui is the store dashboard under /ui/: server-rendered HTML
// (html/template) with a small stylesheet and a little vanilla JavaScript,
// all embedded in the binary. No build step, no framework, no CDN.
//
// Pages:
//   - GET/POST /ui/login, POST /ui/logout: the admin login of
//     service.AuthenticateAdmin. Every other /ui page redirects to the
//     login when there is no session.
//   - GET /ui/: the orders board of a brand (brand picker when there are
//     several; location and status filters; newest first, 50 a page with an
//     "Older" link). Times are shown in the order's location's zone; money is
//     formatted exactly from minor units (hub.FormatAmount).
//   - GET /ui/orders/{id}: one order with its lines, modifier tree, fees and
//     history.
//   - POST /ui/orders/{id}/actions/{action}: confirm, prepare, ready,
//     complete, cancel (service.Transition) or pay (service.MarkPaid), as the
//     store with actor "ui:<username>". Buttons are shown only where the
//     domain allows them (hub.Transition / hub.CanMarkPaid answer for the
//     current status); a refusal comes back as a flash message with the
//     domain's own text, never as a 500.
//   - GET /ui/events: the live view (Server-Sent Events).
//   - GET /ui/static/{name}: the stylesheet and script (no login needed).
//
// Decisions:
//   - Sessions are server-side, in memory: the cookie holds only a random
//     256-bit id (HttpOnly, SameSite=Lax, Path=/ui, Secure when the request
//     came over HTTPS, directly or through a trusted proxy's
//     X-Forwarded-Proto). A session lasts 12 hours from login; logout ends it
//     at once. This was picked over an HMAC-signed cookie because it is as
//     simple, and logout really revokes. Consequences: a restart logs
//     everyone out, and several nodes each keep their own sessions (a load
//     balancer must be sticky for /ui, or users log in per node) — fine for
//     now; a sessions table is the later step.
//   - CSRF: every POST carries a per-session token in a hidden field,
//     compared in constant time; a missing or wrong token is a 403. The
//     login form, which has no session yet, uses a double-submit token (a
//     short-lived cookie and the same value in the form).
//   - Responses carry a Content-Security-Policy that allows only this
//     origin's script and style (no inline script), X-Frame-Options DENY and
//     Cache-Control: no-store.
//   - Live view: each GET /ui/events stream polls store.ListEvents from the
//     last event id it has seen, once a second, and sends an "order" event
//     ({"order_id", "location_id", "type"}, with the event id as the SSE id,
//     so that a reconnecting browser resumes with Last-Event-ID) for every
//     order of the brand that changed; the page then fetches itself again and
//     swaps the changed region in. Heartbeat comments every 15 s keep
//     proxies from closing an idle stream. At most 100 streams at a time
//     (503 beyond). Because the events table is written in every change's
//     transaction and shared by every node on one PostgreSQL, polling it
//     already fans out across nodes; LISTEN/NOTIFY would only cut the
//     latency and the queries, and is a later step.
//   - A stream ends when its client goes away (the request context) and
//     when the server shuts down: http.Server.Shutdown does not cancel the
//     contexts of running handlers, so Config.Shutdown (closed from
//     http.Server.RegisterOnShutdown) ends every stream, and Shutdown does
//     not wait for them until its timeout. The browser reconnects to
//     another node, or to this one after a restart (and logs in again).
//     A stream clears the server's read deadline and renews its write
//     deadline before each write, so ReadTimeout/WriteTimeout do not cut it.
package ui
