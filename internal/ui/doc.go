// Package ui is the store's counter screen under /ui/: server-rendered
// HTML (html/template) with one stylesheet and one small hand-written
// script, all embedded in the binary. No build step, no framework, no
// third-party JavaScript, no CDN. Every page works without the script;
// the script adds the live board, the alert, ticking ages and the theme
// switch.
//
// Pages (all routes are listed in Handler.Routes):
//   - GET/POST /ui/login, POST /ui/logout: service.Login (the throttle)
//     and service.Logout. Every other page redirects to the login when
//     there is no session.
//   - GET /ui/: the board of a brand, or of one of its locations. Columns
//     New, Confirmed, Preparing, Ready (oldest first: the counter takes
//     them in order), then Scheduled (waiting for their acceptance to
//     start, hub.Order.Scheduled) and Done today (completed or cancelled
//     on the location's date, newest first); at most 100 orders per
//     status. A card shows its number, age and where it goes (the order
//     type first: "Delivery · code 4821", "Dine-in · table 7", "Pickup
//     A7", whereOf; a code alone read as a pickup), then the items with
//     modifiers (removed ones marked "no …"), the line instructions and
//     the order's notes, then in smaller type the channel, time, location,
//     deadline, total and payment. A scheduled card shows "for HH:MM"
//     instead of an age (its start is in the future) and does not tick.
//     A system cancel reason reads as words ("not accepted in time"). Its one primary action is
//     the next step: the first of confirm, prepare, ready, complete that
//     hub.Transition allows the store (so the domain, not the page,
//     decides); the rest (mark paid, skipping a step) sit in a <details>
//     menu, and cancel there asks for a reason, which is kept on the order
//     and told to the channel (service.TransitionInput.Reason).
//   - GET /ui/orders/{id}: one order with its lines, modifier tree, fees
//     and history.
//   - GET /ui/catalog?location=N: the location's products by category
//     (the first of a product's category ids; combos as "Sets"; products
//     without one under "Menu": the catalog has no category names yet)
//     with price, availability (available, snoozed until, sold out, not on
//     sale) and stock; forms to set stock (blank: untracked), snooze
//     ("until close" = the next midnight in the location's zone, since
//     locations have no opening hours; 1 hour; custom minutes; until
//     turned back on) and unsnooze; the location's status (online, busy
//     with extra minutes, paused, optionally for N minutes, with a reason)
//     and its acceptance (manual with a deadline, or auto).
//   - GET /ui/partners: the brand's partners with their credentials
//     (hints only), settings (callback, provider and bot URLs and the
//     protocol's extra settings as JSON, checked by the protocol through
//     service.UpdatePartner: a refusal is shown with the field it names),
//     cash balance with a top-up form; create a partner of any registered
//     protocol, issue a new credential, rotate the callback secret, revoke
//     a credential. A new secret is shown once, in the answer to the POST
//     that made it (Cache-Control: no-store), never in a redirect or a
//     cookie.
//   - GET /ui/webhooks: endpoints with their status (enabled, failing
//     since, disabled and why), "send test event", add an endpoint; the
//     last 50 deliveries (filter by status) with each attempt (status
//     code, latency, the first 120 characters of the answer, the error);
//     dead letters grouped by target with "replay all", and "replay" on
//     each dead one (internal/delivery, as /hub/v1 does).
//   - GET /ui/events: the live view (Server-Sent Events).
//   - GET /ui/static/{name}: the stylesheet and script (no login needed).
//
// Every change is a service call (or internal/delivery's, as /hub/v1
// makes it) as the store, with actor "ui:<username>"; no rule is written
// twice here. A refusal comes back as a flash message with the domain's
// own text and field, never a 500; an internal error is logged and shown
// without detail.
//
// Decisions:
//   - Sessions live in the database (migration 0010, admin_sessions), so
//     any node serves any login and a restart keeps them. The cookie holds
//     a random 256-bit token; the table keeps only its SHA-256
//     (service.Login), so a copy of the database logs nobody in. A session
//     lasts Config.SessionTTL (12 h) from login; logout, a password change
//     and an admin's removal end it at once, everywhere. The cookie is
//     HttpOnly, SameSite=Lax, Path=/ui, and Secure when the request came
//     over HTTPS (directly or, with X-Forwarded-Proto, through a trusted
//     proxy). Each request reads its session (one primary-key lookup),
//     and so does an open live stream every Config.SessionCheck (5 s): a
//     logout, new password or removal ends the stream too, with an
//     "ended" event on which the script reloads (to the login). A failed
//     read keeps the stream (the database may be away for a moment).
//   - CSRF: every POST carries a token in a hidden field, compared in
//     constant time; a missing or wrong one is a 403 and nothing is
//     written. The token is derived from the session token
//     (SHA-256 of a label and the token), so nothing more is stored and
//     every node computes the same; a page of another origin can read
//     neither (SameSite and the CSP's form-action 'self' are a second
//     line). The login form, which has no session yet, uses a
//     double-submit token (a short-lived cookie and the same value in the
//     form).
//   - Login throttle (service.Login): at most 5 failed logins per user
//     name and 20 per client address in a 15-minute window that starts at
//     the first failure, counted in the database (so across nodes). Beyond
//     the address's limit every login from it is refused unchecked; beyond
//     the name's, a login of that name is refused unchecked from every
//     address that has itself failed in the window — 429 with Retry-After
//     and "Too many failed logins for this account from this address: try
//     again in N min". From an address with no failure the password is
//     still checked, so a guesser cannot lock the admin out of the counter,
//     and each new address buys a guesser one guess before the lock holds
//     there. A success clears its name's count, not the address's. The
//     address is httpx.ClientAddr's (the right-most X-Forwarded-For hop
//     that is not a trusted proxy), the same rule as the rate limits. The
//     check and the count are not one unit, so a few parallel guesses may
//     pass the limit by a few; 210,000 PBKDF2 rounds a try keep guessing
//     slow anyway. "admin passwd" and creating a removed name again clear
//     the name's count.
//   - Flash messages ride in a short cookie (HttpOnly, 60 s) read and
//     cleared by the next page, so they need no server state.
//   - Responses carry a Content-Security-Policy that allows only this
//     origin's script and style (no inline script or style: the pages
//     have no style or on* attributes), X-Frame-Options DENY and
//     Cache-Control: no-store.
//   - Webhook endpoint URLs are checked by service.CreateWebhookEndpoint
//     and UpdateWebhookEndpoint (the outbound policy: no private targets),
//     which /hub/v1 calls too: the page shows the refusal naming "url"
//     and stores nothing.
//   - A refusal names the form's field: the domain's extra_prep_minutes
//     is the form's extra_minutes (renameField). The acceptance deadline's
//     minimum (30 s) is the domain's (hub.MinAcceptDeadline); the form's
//     min only repeats it.
//   - Money is formatted exactly from minor units (hub.FormatAmount) with
//     thousands grouped and the currency's sign where the dashboard knows
//     it (₩13,500, $12.50, 120,000 ₫; otherwise "13,500 XYZ"). Times are in
//     the location's zone: 14:05 today, "Mon 14:05" within the week, else
//     "2 Dec 14:05"; ages read "just now", "7 min ago", "1 h 5 min ago".
//     Things that belong to no location (credentials, deliveries) use the
//     zone of the brand's first location.
//   - A card's age turns amber once half the time from its start to its
//     deadline has passed and red from 80 % (format.go urgency; the script
//     repeats the rule as the minutes tick): for a NEW order under manual
//     acceptance the deadline is its acceptance deadline (accept_by, from
//     accept_from), for a confirmed or preparing one its estimated ready
//     time. Other cards have no deadline and stay plain.
//   - The alert: when the live stream reports an order.created event the
//     board beeps (two short tones made with Web Audio, so no sound file;
//     a browser may keep audio silent until the first touch or key) and
//     the title shows the count of New orders ("(2) Board · …"). "Sound
//     on/off" mutes it, kept in localStorage. window.orderhubAlerts counts
//     the beeps attempted, for the browser tests.
//   - Layout: from 700 px the board shows the four active columns (New,
//     Confirmed, Preparing, Ready) side by side, so a 768 px tablet sees
//     all four headers on its first screen however many orders are New
//     (a wrapping grid put Preparing and Ready below 1,300 px with four
//     New orders); Scheduled and Done wrap below, and from 110 rem all six
//     stand in a row. The narrow columns take compact cards: items first,
//     secondary facts at .8 rem. Below 700 px, one column (a phone). No
//     sideways scroll at any width. Other pages are stacked rows, not
//     tables. Every control, links included (the card's number, "← Board",
//     the skip link when focused), is at least 44 px high and wide; the
//     browser test measures every button, field, summary and link. Light and dark themes follow the system, and the
//     Theme button overrides it (localStorage). Keyboard: a skip link,
//     visible focus rings, native controls only (<details> for menus), and
//     the live refresh puts the focus back on the control it was on.
//   - Live view: each GET /ui/events stream polls store.ListEvents from the
//     last event id it has seen (woken at once by the store's dispatch
//     signal, once a second otherwise) and sends an "order" event
//     ({"order_id", "location_id", "type"}, with the event id as the SSE
//     id, so that a reconnecting browser resumes with Last-Event-ID) for
//     every order of the brand that changed; the page then fetches itself
//     again and swaps its live region in; "Live · updated 14:05" is the
//     server's time of that page in the board's zone (data-updated), as on
//     the cards, not the browser's clock. Heartbeat comments every 15 s
//     keep proxies from closing an idle stream. At most 100 streams at a
//     time (503 beyond). The script reconnects: EventSource retries by
//     itself after a network error; when the server refused the stream
//     (503, a restart) the script opens a new one, backing off from 1 s to
//     30 s, and refreshes the page's region once it is back.
//   - A stream ends when its client goes away (the request context) and
//     when the server shuts down: http.Server.Shutdown does not cancel the
//     contexts of running handlers, so Config.Shutdown (closed from
//     http.Server.RegisterOnShutdown) ends every stream, and Shutdown does
//     not wait for them until its timeout. A stream clears the server's
//     read deadline and renews its write deadline before each write, so
//     ReadTimeout/WriteTimeout do not cut it.
package ui
