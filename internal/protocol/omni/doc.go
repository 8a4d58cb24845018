// Package omni serves the store POS order-status API of seed 001 ("Omni"):
//
//	POST /api/store/orders/confirm   NEW → CONFIRMED
//	POST /api/store/orders/paid      UNPAID → PAID
//	POST /api/store/orders/complete  any open status → COMPLETED, and PAID
//	POST /api/store/orders/cancel    any open status → CANCELLED (the store's cancel)
//
// It only translates: the wire format in, one service call (service.Transition
// or service.MarkPaid, with the store's role), the wire format out. Every rule
// (which status may follow which, paid twice, cancelled orders, scope of a
// credential, outbox events) lives in internal/hub and internal/service.
// Everything below is a decision about the wire, taken where the seed is
// silent (DESIGN.md §4 took the others).
//
// # Request handling, in this order
//
//  1. Every response carries the seed's headers: Content-Type:
//     application/json, Vary: Accept, Allow: POST, OPTIONS.
//  2. HTTPS (Config.RequireHTTPS): a request counts as HTTPS when it came
//     over TLS, or when X-Forwarded-Proto says https and the peer
//     (RemoteAddr) is inside Config.TrustedProxies. With several
//     X-Forwarded-Proto values the last one counts (the one our proxy set).
//     Otherwise 403 {"detail": "Please use https instead of http"}, whatever
//     the method.
//  3. Method: OPTIONS answers 200 with a description of the endpoint
//     {"name", "description", "renders", "parses"} and needs no token. Any
//     other method but POST is 405 {"detail": "Method \"GET\" not allowed."}.
//  4. Idempotency-Key: the shared httpx.Idempotency middleware (keyed per
//     Authorization header) replays the first answer. Its conflicts are
//     rendered in the error envelope below: 422 idempotency_key_reused (same
//     key, different request), 422 invalid_idempotency_key (key too long),
//     409 request_in_progress.
//  5. Auth: "Authorization: token <key>" (scheme case-insensitive) must be
//     a live API key of a partner whose protocol is omni. Missing, another
//     scheme, unknown, revoked, disabled or another protocol's key: 401
//     {"detail": "Invalid token"} with WWW-Authenticate: Token.
//  6. Body: a JSON object. Content-Type is not enforced (the seed's clients
//     send application/json; being lenient costs nothing). An empty body is
//     an empty object. Malformed JSON, trailing data or a non-object are
//     400 error_code "parse_error" with errors {"non_field_errors": ...}; a
//     body over httpx.MaxBody is 413 {"detail": "Request body too large:
//     ..."}.
//  7. Rate limits (service): over its credential's rate, or, without a
//     valid key, its address's, a call is 429 with Retry-After and DRF's
//     throttle text {"detail": "Request was throttled. Expected available
//     in N seconds."}.
//
// # Naming the order
//
// Confirm documents the key "number", the other three "order"; all four
// accept either (DESIGN.md §4). When both are sent, the call's documented
// key wins. The key the client used is the one named in "errors". The value
// is an order reference as service.FindOrder understands it
// (hub.ResolveOrderRef): the hub number ("FR9TL74P"), the ordering
// channel's id, or the id orderhub answered that channel; a JSON number is
// taken as its literal text, and is never a hub id (only /hub/v1 takes
// those). A reference that names two orders (a hub number equal to a QR
// order's id, say) is refused with a message naming both, never guessed:
// 400 error_code "ambiguous_reference". The answer's "number" is the
// reference the POS sent, whichever of the order's ids it was. Field
// errors follow Django REST framework, which the seed's API visibly is
// (detail bodies, Vary: Accept, Allow: POST, OPTIONS):
//
//	key absent (neither key)  required  "This field is required."   (names the documented key)
//	null                      null      "This field may not be null."
//	"" or only spaces         blank     "This field may not be blank."
//	object, array, boolean    invalid   "Not a valid string."
//
// An order that does not exist, or exists outside the partner's brand or
// locations, is the same 400 invalid_order_number "Order not found".
//
// # Error envelope and state errors (all HTTP 400)
//
//	{"error_message": M, "error_code": C, "errors": {"<key>": M}}
//
//	order is COMPLETED (confirm, complete, cancel)  order_already_completed  "Order already completed"
//	order is CANCELLED (any of the four)            order_already_canceled   "Order already canceled"
//	paid on a PAID order                            already_paid             "Order already paid"
//	confirm on CONFIRMED                            invalid_status           "Order has been confirmed"
//	confirm on PREPARING                            invalid_status           "Order is being prepared"
//	confirm on READY                                invalid_status           "Order is ready"
//	other invalid input from the service            invalid                  its public message
//
// Paid on a COMPLETED order that is still unpaid (completed by another
// channel, which does not record payment) succeeds. Cancelling a paid order
// keeps paymentStatus 2 (refunds are outside this API) — except an order
// paid from a partner's cash balance, which orderhub itself refunds: it
// shows paymentStatus 3 (refunded). Complete on a paid
// order completes it and leaves it paid.
//
// Other failures: 403 {"detail": "You do not have permission to perform this
// action."}; 503 {"detail": "Service temporarily unavailable, try again
// later."} when the store is unavailable; 500 {"detail": "A server error
// occurred."} for anything internal, logged in full and never described.
//
// # The order object
//
// Every field of the seed's table, with its JSON type, for orders of any
// channel:
//
//	id              hub order id (integer)
//	number          the reference the request named the order by (the hub
//	                number "FR9TL74P", as the seed's examples send it)
//	total           before tax, service charge, delivery fee and discount: the
//	                subtotal, less the tax it contains when the brand's prices
//	                include tax, so that total + tax + serviceCharge +
//	                delivery fee − discount = grandTotal in both cases
//	tax             tax (VAT)
//	serviceCharge   service charge
//	grandTotal      the order total
//	tableNumber     table ("" when none)
//	channel         where the order was taken, seed's list "Mobile App, POS,
//	                Kiosk, Web" numbered 1–4: kakao (chatbot) 1, zeek
//	                (platform app) 1, omni (the POS) 2, hub (dashboard and
//	                native API, staff-entered) 2, tableorder (QR ordering in
//	                the browser) 4, junglebook (partner web shop) 4; 0 unknown.
//	                3 (Kiosk) is reserved: no channel is a kiosk yet.
//	notes           customer notes ("" when none)
//	status          hub status code: 1 NEW, 10 CONFIRMED, 13 PREPARING,
//	                16 READY, 20 COMPLETED, 30 CANCELLED
//	deliveryStatus  the same code as status: orderhub does not track courier
//	                progress apart from the order, and the seed's example
//	                (a table order) shows deliveryStatus = status = 10
//	statusText      "New", "Confirmed", "Preparing", "Ready", "Complete",
//	                "Cancelled"
//	storeName       the brand's name
//	userID          the customer's id when it is a positive integer (the
//	                channel's member id, else the client's member id), else 0
//	created         creation time, Unix seconds
//	paymentMethod   from the order's payment method name (case and - _
//	                spaces ignored): 0 none recorded; 1 cash (cash, cod,
//	                cashondelivery); 2 card (card, creditcard, debitcard, visa,
//	                mastercard); 3 e-wallet / online (ewallet, wallet, qris,
//	                gopay, ovo, dana, shopeepay, linkaja, paypal, kakaopay,
//	                momo, zalopay, applepay, googlepay, online); 4 bank
//	                transfer (banktransfer, transfer, bank, virtualaccount,
//	                va); 5 anything else
//	paymentStatus   1 unpaid, 2 paid, 3 refunded
//	user            {"id": userID, "name", "phone"}, always an object
//	delivery_info   null unless the order is a delivery; then
//	                {"receiver_name", "phone", "mobile", "zip_code", "address",
//	                "address2", "memo", "delivery_fee"} (strings, and the fee as
//	                an amount)
//
// The seed's order object has no member for when an order should be ready
// (hub.Order.EstimatedReadyAt, DESIGN.md §9), nor for an order's scheduled
// time, nor for a cancel reason, and the answers keep to the seed's members
// (the golden tests compare them field for field): the POS reads them on
// /hub/v1 (estimated_ready_at, scheduled_for, cancel_reason) or the board.
//
// Amounts are JSON numbers in major units of the order's currency, written
// from the int64 minor units with hub.FormatAmount (never through a float)
// in the seed's style: at least one decimal, trailing zeros dropped
// (IDR 3636400 → 36364.0, USD 4540 → 45.4, KRW 7600 → 7600.0).
package omni
