// Package kakao serves the chatbot ↔ POS API of seed 000 (KakaoTalk
// ordering) and renders the notifications orderhub sends the bot.
//
//	BOT → orderhub (the bot acts as the customer)
//	GET    /api/v1/stores/{storeId}/items                          the menu
//	POST   /api/v1/stores/{storeId}/orders                         place an order
//	GET    /api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}  order status
//	DELETE /api/v1/cancel?storeId=&orderId=&numb=                  cancel (refused while cooking)
//
//	POS → orderhub (the POS acts as the store)
//	POST   /api/kakao/v1/order/cook?storeId=                       order → PREPARING
//	POST   /api/kakao/v1/order/complete?storeId=                   order → COMPLETED
//
//	orderhub → BOT (through the delivery engine, see Formatter)
//	POST   {bot_url}/api/kakao/v1/order/cook?storeId=              order is PREPARING or READY
//	POST   {bot_url}/api/kakao/v1/order/complete?storeId=          order is COMPLETED
//	POST   {bot_url}/api/kakao/v1/order/cancel?storeId=            order is CANCELLED by anyone but the bot
//
// The seed is a skeleton whose bodies are placeholders ({ id : 12, name :
// "Michael Bloom" }); DESIGN.md §4 fixes the paths, the error envelope and
// the statuses, and this comment documents the bodies designed here. The
// package only translates: menus, orders, the lifecycle and its roles are
// internal/service's and internal/hub's.
//
// # Auth
//
// Every call carries "Authorization: Bearer <api key>", a live API key of a
// partner whose protocol is kakao (the bot and the POS are each such a
// partner, or one partner serves both). The endpoint decides the role: the
// BOT → orderhub calls act as the customer (so a cancel is refused once
// cooking has started), the POS calls as the store. The partner setting
// kakao_role (Settings.Extra) limits a key to one side: "bot" keys may only
// call the BOT → orderhub endpoints, "pos" keys only the POS progress
// endpoints, and the other side answers 403; absent or "both", a key may
// call both (the demo's single kakao partner). The roles and the rule are
// hub's and the service's (hub.CredentialRole, service.ActAs: "bot" is the
// customer's side, "pos" the store's); this package only reads kakao_role
// into a CredentialRole (Protocol.CredentialRole), names the role of each
// route, and words the refusal as the seed's sides. Any other value is refused when the
// partner is saved (400 settings.extra.kakao_role); one stored before that
// check allows nothing (fail closed). A missing or bad key is
// 401 {"error": "invalid api key"} with WWW-Authenticate: Bearer.
//
// storeId is a location id (the demo's kakao store_id). A store that does
// not exist, belongs to another brand, or is outside the partner's
// locations is 404 {"error": "store not found"}.
//
// # Errors
//
// Always {"error": "<message>"}: 400 malformed input (the message names the
// field, e.g. "items[0].quantity: must be a positive integer"; an unknown
// product is a 400 too, "items[0].product: product \"P999\" not found"),
// 401, 403, 404 unknown store or order, 405 another method (with Allow),
// 409 a refused state change ("cannot cancel while cooking", "order already
// cancelled", "order is already preparing", sold out, a reused bot order
// id, a product the store snoozed: "items[0].product: Bulgogi rice bowl is
// off the menu at Gangnam until 13:30"), 409 {"error": "store is paused"}
// for any order while the store is paused (DESIGN.md §9), 413 a body over
// 1 MiB, 429 over the key's (or, without a valid key, the address's) rate
// limit with Retry-After (the service's rule), 500 internal (logged, never
// described), 503.
//
// # Menu: GET /api/v1/stores/{storeId}/items[?lang=ko]
//
// What the location sells now (service.Menu): products sold individually,
// launched, displayed, sold at the location, inside their timeslots and
// not supplier-restricted, by sort order. Names in ?lang (default ko,
// falling back as hub.I18n.Get does). Prices are integer minor units of
// currency (KRW: won).
//
//	{"storeId": "1", "storeName": "Gangnam", "storeStatus": "online", "currency": "KRW", "items": [
//	  {"id": "P001", "productId": 1, "name": "불고기 덮밥", "description": "…",
//	   "type": "single", "price": 9500, "soldOut": false, "stock": 40,
//	   "alcohol": false, "minQuantity": 1, "maxQuantity": 0, "bundleSize": 0,
//	   "optionGroups": [{"id": 1, "name": "맵기", "required": true, "min": 1, "max": 1,
//	     "values": [{"id": 3, "name": "매운맛", "price": 500}]}]},
//	  {"id": "C001", "productId": 30, "type": "combo", "price": 12000, "stock": 25, …,
//	   "comboComponents": [{"id": 2, "name": "음료", "selectQuantity": 1, "required": true,
//	     "items": [{"id": "P010", "productId": 10, "name": "콜라", "price": 0,
//	                "soldOut": false, "optionGroups": […]}]}]}]}
//
// id is what the bot sends back when ordering (the ref id, else the hub id).
// price is today's unit price (special prices applied; bulk prices apply at
// ordering). stock is what is on hand, null when unlimited (untracked, or
// the product does not deduct stock); a combo's is derived from its items.
// soldOut is true when the product is flagged sold out, has no stock left
// or is snoozed by the store, and for a combo also when a required slot has
// nothing left to choose; a snoozed product with an end carries
// "availableAt" (RFC 3339, UTC, rounded up to the second, so that a retry at
// that second finds it orderable), inside a combo's slots too, and a combo
// held only by snoozes with an end carries when it is back (the latest of
// its own end and, for each empty required slot, the first of its items'
// ends); when that is unknown it has none. Sold-out products stay
// listed so that the bot can grey them out. storeStatus is online, busy
// (orders take longer) or paused (orders are refused).
// maxQuantity and bundleSize 0 mean no limit. Every answer carries a strong
// ETag (a hash of the body) and Cache-Control: no-cache; a request whose
// If-None-Match names it (or "*") is answered 304 with no body.
//
// # Order: POST /api/v1/stores/{storeId}/orders
//
//	{"botOrderId": "kakao-20260310-0001",     required, the bot's own id (≤ 64)
//	 "type": "PICK_UP",                       optional: PICK_UP (default), DINE_IN, DELIVERY
//	 "table": "A3",                           optional
//	 "customer": {"id": "kakao-user-key", "name": "김민수", "phone": "010-1234-5678"},
//	 "notes": "…", "paymentMethod": "kakaopay",
//	 "items": [
//	   {"id": "P001", "quantity": 2, "price": 10000,      price optional: the unit price the bot
//	    "specialInstructions": "덜 맵게",                  showed, checked against the catalog
//	    "options": [{"groupId": 1, "valueId": 3}]},
//	   {"id": "C001", "quantity": 1,
//	    "combo": [{"componentId": 2, "id": "P011", "options": []}]}]}
//
// Product and combo item ids are a hub id, ref id or SKU; ids may be JSON
// strings or numbers; unknown fields are ignored. Options and combo choices
// follow the menu's optionGroups and comboComponents (a required slot with
// a single item may be left out). The answer is 201 with the order view
// below; orderId is orderhub's order number and numb the pickup number.
//
// Idempotent by botOrderId: the same body to the same store again answers
// 201 with the same order (and Idempotent-Replayed: true) and creates
// nothing; the same botOrderId with a different body, or at another store,
// is 409 {"error": "botOrderId \"kakao-20260310-0001\" was used for a
// different order"}. The Idempotency-Key header is
// honoured too (httpx.Idempotency; a reused key with another request is
// 422).
//
// # The order view
//
// The answer of placement, status, cancel, cook and complete:
//
//	{"storeId": "1", "orderId": "FR9TL74P", "numb": "4821",
//	 "botOrderId": "kakao-20260310-0001",     omitted for orders of other channels
//	 "status": "NEW", "statusCode": 1,         NEW 1, CONFIRMED 10, PREPARING 13,
//	                                           READY 16, COMPLETED 20, CANCELLED 30
//	 "paymentStatus": "UNPAID",                UNPAID | PAID
//	 "type": "PICK_UP", "table": "", "currency": "KRW", "total": 29500,
//	 "items": [{"id": "P001", "name": "불고기 덮밥", "quantity": 2, "unitPrice": 10000,
//	            "totalPrice": 20000, "specialInstructions": "덜 맵게",
//	            "modifiers": [{"kind": "option", "group": "Spice level", "id": "3",
//	                           "name": "Hot", "quantity": 1, "price": 500}]}],
//	 "estimatedReadyAt": "2026-03-10T04:15:00Z",  when it should be ready (prep time, busy extra)
//	 "scheduledFor": "…",                     an order for later only
//	 "cancelReason": "not_accepted",          a cancelled order only ("cancelled" when none was given)
//	 "createdAt": "2026-03-10T04:00:00Z", "updatedAt": "2026-03-10T04:00:00Z"}
//
// Combo items are modifiers of kind "combo" whose own options are nested in
// "modifiers". Modifier names are the catalog's English names as stored on
// the order; item names are in ?lang.
//
// # Status: GET /api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}
//
// orderId is the orderId orderhub answered or the bot's own botOrderId;
// numb must be the order's pickup number, the order must be at the store
// and have been placed by the calling bot. Any mismatch is the same 404
// {"error": "order not found"}, so ids cannot be probed one at a time.
//
// # Cancel: DELETE /api/v1/cancel?storeId=&orderId=&numb=
//
// The seed names only storeId; orderId and numb are query parameters too,
// found as for the status. Cancels as the customer: NEW or CONFIRMED → 200
// with the cancelled order view; PREPARING or READY → 409 {"error": "cannot
// cancel while cooking"}; COMPLETED or CANCELLED → 409 with the reason.
//
// # POS progress: POST /api/kakao/v1/order/cook and /order/complete
//
// ?storeId= is required (the seed's URL param); the order is named by
// {"orderId": "FR9TL74P"} in a JSON body, or by ?orderId= (the seed lists
// no body). orderId is an order's hub number or a channel's id for it (a
// bot's botOrderId, a QR order's id, the id orderhub answered a channel)
// within the partner's scope (service.FindOrder): the POS is the store, so
// orders of any channel at the store can be moved. A hub id is not a
// reference here (hub ids are /hub/v1's): a bare integer that is no
// order's number or channel id is 404 {"error": "order not found"}. A
// reference two orders share moves neither: 409 naming both by hub number
// and channel ("reference \"FR9TL74P\" names more than one order:
// E6HP27YM (hub), GXTCRQ9G (tableorder); …"). An optional "numb" must
// match when sent. cook moves the order to PREPARING (from NEW or CONFIRMED),
// complete to COMPLETED (from any open status); the answer is 200 with the
// order view. A refused transition is 409 ("order is already preparing",
// "cannot prepare an order that is ready", "order already completed").
//
// # Notifications to the bot (Formatter)
//
// When an order placed by a bot reaches PREPARING, READY or COMPLETED —
// from any surface — the delivery engine POSTs to that bot partner's
// settings.bot_url: {bot_url}/api/kakao/v1/order/cook?storeId= for PREPARING
// and READY, /api/kakao/v1/order/complete?storeId= for COMPLETED, with
//
//	{"event": "order.preparing",              order.preparing | order.ready | order.completed
//	 "occurredAt": "2026-03-10T04:05:00Z",
//	 …every field of the order view…}
//
// (status says PREPARING or READY on /cook.) When an order placed by a bot
// is cancelled by anyone but that bot — the store on any surface, the
// system when the acceptance deadline passes, another partner —
// {bot_url}/api/kakao/v1/order/cancel?storeId= gets the same body with
// "reason" (the reason given, "not_accepted" for the deadline, else
// "cancelled"); the seed has no such call, DESIGN.md §9 adds it. The bot's
// own DELETE /api/v1/cancel is not reported back. Requests carry the Standard
// Webhooks headers webhook-id, webhook-timestamp and webhook-signature
// (v1,<base64 HMAC-SHA256 over id.timestamp.body>), keyed with the bot
// partner's callback secret; any 2xx answer is a success, anything else is
// retried by the engine (DESIGN.md §5). Partners without a bot_url (a POS)
// receive nothing; an order is only ever reported to the bot that placed
// it.
package kakao
