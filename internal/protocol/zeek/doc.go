// Package zeek is seed 003 (ZeekSolutions – Circle K VN, "Phase 5") with
// orderhub in the platform's (Zeek's) place: the client (Circle K) calls
//
//	POST /api/v1.0/auth/token                     GetAccessToken
//	POST /api/v1.0/product/product/create         CreateProduct
//	POST /api/v1.0/product/product/batch_update   BatchUpdateProduct
//	POST /api/v1.0/order/status/update            UpdateOrderStatus
//
// and orderhub calls the client:
//
//	OrderCreateCallback    every order taken at the client's brand, from any
//	                       channel, to settings.callback_url (the protocol's
//	                       delivery.Formatter)
//	CheckProviderInventory before any channel's order at the client's brand
//	                       is taken, to settings.provider_url (the protocol's
//	                       service.InventoryProvider, asked under
//	                       service.InventoryPolicy)
//
// Protocol describes it to the registry (internal/protocol): OAuth2 client
// credentials, a callback secret, the store's role, the settings of
// settings.go (checked when a partner is saved: region, timezone,
// minimum_purchase, status_codes; any other key is a 400), the formatter
// and the inventory provider.
//
// The package only translates; rules (validation of products, the
// lifecycle, scopes, tokens, outbox, which providers are asked and what
// their answers mean, the difference to the minimum purchase) live in
// internal/hub and internal/service. What follows are the decisions about the wire where the
// seed is silent or contradicts itself (DESIGN.md §4 took the others).
//
// # Request handling, in this order
//
//  1. Method: anything but POST is 405 {"error": "40501"} with Allow: POST.
//  2. Headers, in the seed table's order. KS-Client-Request-Id is required
//     (at most 128 printable characters). KS-Lang is required: exactly one
//     of en, vi (case-insensitive); error_msg is in that language (English
//     while KS-Lang itself is missing or wrong). KS-Region is SGN
//     (Asia/Ho_Chi_Minh), HKG (Asia/Hong_Kong), BKK (Asia/Bangkok) or SIN
//     (Asia/Singapore), case-insensitive; absent means GMT+8 (the seed's
//     default); anything else is 40001. The region's zone reads times sent
//     without an offset ("2021-03-22 17:00:00"); none of the four answers
//     carries a time. Content-Type is not enforced.
//  3. Authorization: Bearer <access token> of a live zeek client (all calls
//     but the token call); otherwise 401 40101 "Unauthorised".
//  4. Idempotency-Key (DESIGN.md §4, all calls but the token call): the
//     shared httpx middleware, per client (not per token: a retry with a
//     fresh token replays too); a reused key with another request is 409
//     40902, one still running 409 40903.
//  5. KS-Client-Request-Id replay, per client: the first request with an id
//     runs and its answer is recorded (unless it is a 5xx); the same id with
//     the same method, path and body answers that answer again, byte for
//     byte (with Idempotent-Replayed: true), and runs nothing; the same id with anything else is 409 40902;
//     while the first still runs, 409 40903. Ids are kept 24 hours. The
//     token call is the one exception: its answer holds a live token, which
//     orderhub keeps only as a hash, so a repeat with the same body issues a
//     fresh token (the first stays valid) instead of replaying the first.
//  6. Body: a JSON object, bare or wrapped as the seed's examples send it,
//     {"error": 0, "data": {...}}: a body is the wrapped form when "data" is
//     an object and its only other member is "error". At most 1 MiB and 500
//     items per array.
//
// # Error envelope
//
// Success is {"error": 0, "data": ...} ({"error": 0} for the status call);
// errors are {"error": "<code>", "error_msg": "<text>"}, the code a string as
// in the seed. 40001/40002/40101/40401 are the seed's; the rest follow its
// pattern (HTTP status × 100 + n).
//
//	400 40001 Invalid parameter / Tham số không hợp lệ: "<field> <what is wrong>"
//	400 40002 Invalid App Key or App Secret (unknown, wrong, revoked, another protocol's)
//	401 40101 Unauthorised (no, unknown, expired or revoked token)
//	403 40301 Forbidden
//	404 40401 Not found (a store or order outside the client's brand and locations, or none)
//	405 40501 Method not allowed
//	409 40901 The order status does not allow this change
//	409 40902 KS-Client-Request-Id (or Idempotency-Key) already used for another request
//	409 40903 A request with this KS-Client-Request-Id is still in progress
//	409 40904 The order_id names more than one order (orderhub guesses none:
//	          send the order_id orderhub answered); error_msg names them by
//	          hub number and channel: "The order_id names more than one
//	          order: E6HP27YM (hub), GXTCRQ9G (tableorder); send the id
//	          orderhub answered for the order"
//	413 41301 Request body too large (over 1 MiB)
//	429 42901 Too many requests (with Retry-After: over the client's rate, or
//	          for the token call and calls without a valid token, the address's)
//	500 50001 Internal server error (logged in full, never described)
//	503 50301 Service temporarily unavailable
//
// 40001 names the field as the client wrote it ("products[2].price.amount",
// "locations[0].ref_location_id"); Vietnamese texts are written for every
// check this package makes, while a rule of the catalog (e.g. "end_date must
// not be before start_date") says "có giá trị không hợp lệ" after the field.
//
// # GetAccessToken
//
// client_id and client_secret are required (JSON, wrapped or bare, or an
// application/x-www-form-urlencoded form; a JSON object labelled as a form,
// as curl -d sends it, is read as JSON); grant_type, if sent, must be
// client_credentials and scope all. The answer is the seed's, expires_in
// the token's lifetime in seconds (Config.TokenTTL, 24 h). Tokens are 256
// random bits, stored as SHA-256 hashes, bound to the client credential:
// revoking the credential (service.RevokeCredential) revokes its tokens.
//
// # Products
//
// Every member of CreateProduct's table is read, with its JSON type:
//
//	ref_product_id → RefID; name, description → I18n (zh_hk, zh-hk: zh-HK)
//	type 1|2; store.store_id must be the client's brand: another brand's
//	  or an unknown id is 404 40401 (the store does not exist for this
//	  client), a missing one 40001
//	locations[]: location_id or ref_location_id (a location's RefID, else
//	  its code) of the client's brand and scope, else 40001; absent or []:
//	  sold nowhere ("will not be shown in any location")
//	categories[], departments[], timeslots[] → ids; payment_methods[].key
//	sku, model; sort_order (default 1, the changelog's)
//	price.amount; discount_price[] (bulk: purchase_count, or
//	  purchase_quantity as the example names it; price.amount is required in
//	  an entry, though the table says N); special_price[] (dates YYYY-MM-DD)
//	is_deduct_stock, is_individual_sale, is_alcohol: 0|1 (true/false too)
//	launch.status 0|1; start_time/end_time in RFC 3339 or
//	  "YYYY-MM-DD HH:MM:SS" in KS-Region's zone; empty = no bound
//	options[]: option_id, is_required, option_values[]: value_id, price,
//	  price_adjustment (1 add, 2 deduct → a signed adjustment); a "name"
//	  object on options and values is accepted too (the callback shows
//	  names); absent ids get the smallest unused positive ids
//	combo_components[]: component_id (assigned when absent), name,
//	  is_required, item_select_quantity, sort_order, items[]: product_id (a
//	  product of the brand, required), price, price_adjustment, sort_order.
//	  Components are read only for combos (type 2): the create example sends
//	  them on an à la carte product, which is accepted and stores none.
//	purchase_quantity.minimum/maximum; spec (kept as sent, numbers as
//	  written) and meta (title/description/keyword, languages normalised) go
//	  to Attributes
//
// Amounts are major units of the brand's currency, as decimal strings
// ("45.40") or JSON numbers (300, as the combo and option examples send
// them), converted exactly from their literal text (never through a float):
// 300 HKD is 30000; more decimals than the currency has, unless zeros, is
// 40001 ("1.005" HKD, "45.40" VND: "price.amount must have at most 0
// decimal places in VND"). Products created here are Displayed and
// orderable by every channel.
//
// BatchUpdateProduct applies each row in its own unit of work
// (service.ModifyProduct, read-change-write in one transaction) and answers
// one result per row, product_id as the example shows it (the table says
// item_id): action_result 1 and "", or 0 and the reason ("No such item" for
// a product that is not the client's brand's, or, for a client bound to
// some locations, one also sold elsewhere: a brand-wide product included,
// hub.Partner.CanEditProduct). Members of the batch table
// that a row omits are reset as they would be on create (no locations = sold
// nowhere, no special_price = none, sort_order 1, no spec/meta); members
// the batch table does not list (type, sku, model, discount_price,
// is_deduct_stock, is_individual_sale, payment_methods, departments,
// options, combo_components, ref_product_id) keep their stored values
// unless the row sends them. A row without product_id fails the whole
// request (40001: the answer could not say which row is which); when no
// row names a product of the client's brand the answer is the seed's 404
// 40401.
//
// # UpdateOrderStatus
//
// order_id is any reference service.FindOrder knows within the client's
// brand and locations: the hub number the callback sent as order_id, the
// ordering channel's own id, or the hub id (a JSON number is its text).
// status maps through a code table: Settings.Extra["status_codes"] of the
// client, e.g. {"5": "complete", "3": "ready"} (values are hub actions),
// else the seed's {5: complete}; an unknown code is 40001 listing the known
// ones. The client acts as the store. A status the order already has (a
// repeated pickup report) answers success; other refusals (completing a
// cancelled order) are 409 40901; orders outside the scope 404 40401.
//
// # OrderCreateCallback
//
// Sent for order.created events of the client's brand at locations in its
// scope, whatever the channel, when Settings.CallbackURL is set; signed by
// the delivery engine with KS-Timestamp (Unix seconds) and KS-Signature
// (hex HMAC-SHA256 over timestamp + "." + body, keyed with the client's
// callback secret). For 24 h after the callback secret is rotated
// (POST /hub/v1/partners/{id}/callback-secret) the request also carries
// KS-Signature-Previous: the same signature under the previous secret, so
// a receiver that has not switched to the new secret yet verifies that one;
// afterwards only KS-Signature is sent. A success only on HTTP 200 with
// {"status": "OK"}. The
// body has every member of the seed's example with the example's JSON types
// where they and the table disagree (is_vat_included is a boolean,
// sale_discount_price an object, combo items' price carries currency_code):
//
//	order_id            the hub number (what UpdateOrderStatus takes back)
//	order_time          creation time, RFC 3339 in the client's zone:
//	                    Settings.Extra["region"] (SGN, HKG, BKK, SIN), else
//	                    Settings.Extra["timezone"] (IANA), else GMT+8
//	schedule            type 1 and delivery_time null without a scheduled
//	                    time (scheduled_for); else type 2 and that time in
//	                    the same zone. The contract makes delivery_time null
//	                    for realtime orders, so an order's estimated ready
//	                    time (DESIGN.md §9) has no room here; a scheduled
//	                    order's estimate is its time
//	shipping.type       2 for delivery orders, else 1 (pickup, dine-in)
//	payment.method      the order's payment method ("" if none)
//	remark              the order notes
//	fee                 subtotal, coupon_discount (discount), shipping_fee
//	                    (delivery fee), vat (tax), is_vat_included, total,
//	                    each {currency_code, amount "45.40"}; the service
//	                    charge has no member of its own and is only in total;
//	                    minimum_purchase is Settings.Extra["minimum_purchase"]
//	                    (a decimal string; 0 by default) and
//	                    difference_to_minimum hub.ShortOfMinimum (max(0,
//	                    minimum − subtotal))
//	customer            member_id (channel's id), ref_member_id, name,
//	                    phone {country_code, phone_number}, address
//	                    {address_text} from the delivery address ("" if none)
//	products[]          one per line: product_id, ref_product_id, name (the
//	                    catalog's languages), type, quantity, price (the
//	                    product's list unit price), sale_discount_price (the
//	                    unit price after special and bulk prices), is_alcohol,
//	                    combo_components[] and options[] (always arrays)
//	combo items         product_id, ref_product_id, name, price (its
//	                    adjustment per item, with the item's own options),
//	                    price_adjustment 1 add / 2 deduct, quantity (for the
//	                    whole line: per-combo quantity × line quantity, as
//	                    the example's 3 sets with 3 coffees)
//	options             option_id, name, option_values[]: value_id, name,
//	                    price (the adjustment's size), price_adjustment
//
// Modifiers a channel sent only for display (removed defaults, quantity 0)
// are left out. A line's total is (sale_discount_price + option
// adjustments) × quantity + Σ combo item adjustment × item quantity.
//
// # CheckProviderInventory
//
// The policy is service.InventoryPolicy's (which partners are asked, the
// timeout, failing open or closed, the refusal); this package is the wire
// (InventoryProvider). Before an order of any channel is taken at a location
// of a brand, each enabled zeek client of the brand with Settings.ProviderURL
// whose scope includes the location gets the seed's request (store, location,
// schedule, shipping, products[]: one per order line with product_id,
// ref_product_id, quantity; a combo as itself), signed like the callback.
// inventory_status 2 on any product refuses the order (hub conflict,
// ReasonInventoryRejected: each channel answers it in its own format;
// Settings.InventoryFailOpen does not override it). No answer within
// Settings.InventoryTimeoutMS (default 3 s), a refused connection, a status
// other than 200 or a body that is not {"products": [{"inventory_status":
// 1|2, ...}]} fails closed (hub unavailable) unless InventoryFailOpen.
// Products the answer does not mention count as in stock (the seed's
// example answers product 33 to a request for 13).
package zeek
