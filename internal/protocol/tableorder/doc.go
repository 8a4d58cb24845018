// Package tableorder serves the QR scan-to-order API of seed 004 ("Add
// Items"):
//
//	POST /v1/auth/login   OAuth2 client credentials → Bearer access token
//	POST /v1/items        places an order; 204 No Content
//
// It only translates: the wire format in, one service call
// (service.AuthenticateClient / IssueAccessToken, service.PlaceOrder), the
// wire format out. Catalog, prices, availability, stock, idempotency and
// duplicates are decided in internal/hub and internal/service, and so is
// the rule that a QR credential is bound to exactly one location: Protocol
// declares it (service.Protocol.OneLocation), the service refuses any other
// scope when the partner is saved (400 location_ids), and
// hub.Partner.SoleLocation names the location at use (a partner stored
// otherwise before that check answers the errors below). What follows
// are the decisions about the wire where the seed is silent (DESIGN.md §4
// took the others).
//
// # Auth Login (POST /v1/auth/login)
//
// The client credentials grant of RFC 6749 §4.4. The body is
// application/x-www-form-urlencoded (the RFC's format) or a JSON object with
// the same parameters (grant_type, client_id, client_secret, scope); with
// another or no Content-Type a body starting with "{" is read as JSON. The
// client authenticates with HTTP Basic (id and secret form-urlencoded, RFC
// 6749 §2.3.1) or with client_id and client_secret in the body, not both.
// The answer is RFC 6749 §5.1 with Cache-Control: no-store:
//
//	{"access_token": "oht_…", "token_type": "Bearer", "expires_in": 3600}
//
// plus "scope": "items:write" when the request named a scope (the only
// one). Errors are RFC 6749 §5.2 bodies {"error", "error_description"}:
//
//	400 invalid_request         malformed body, repeated parameter, missing grant_type,
//	                            two authentication methods
//	400 unsupported_grant_type  grant_type other than client_credentials
//	400 invalid_scope           a scope other than items:write
//	400 unauthorized_client     the client's partner is not bound to exactly one location
//	401 invalid_client          no, unknown, wrong, revoked or disabled credentials, or a
//	                            credential of another protocol (WWW-Authenticate: Basic)
//	413 invalid_request         a body over 1 MiB
//	429 slow_down               over the address's login rate (with Retry-After; RFC 8628's
//	                            code, the one OAuth2 clients know)
//
// Tokens live Config.TokenTTL (one hour by default); only their hash is
// stored, and revoking the client revokes them. The token endpoint does not
// honour Idempotency-Key: a recorded answer would keep a token in clear, and
// asking for another token is harmless.
//
// A credential is bound to one location: the partner's single LocationIDs
// entry (DESIGN.md §4). Orders go to that location; a partner with none or
// several cannot log in (unauthorized_client) and its live tokens are
// refused on /v1/items (403).
//
// # Add Items (POST /v1/items)
//
// Authorization: Bearer <access token>; a missing, unknown or expired token
// is 401 invalid_token with WWW-Authenticate: Bearer.
//
// The body is the seed's, and every example of the seed is accepted as
// written (the third is printed after "json= "; the body is the JSON after
// it). Fields the seed's tables do not list (default_quantity, and any
// other) are ignored. Accepted shapes:
//
//   - cart: an object {"items": [...]} (as every example sends it) or an
//     array of such objects (as the table documents it); the items of all
//     carts are the order's lines, and paths name the form sent
//     (cart.items[1] or cart[0].items[1]).
//   - id: required, the order number, at most 64 characters; unique per
//     brand for this channel (ExternalRef). A JSON number is taken as its
//     text, here and for every other id.
//   - type: required, DINE_IN, PICK_UP or DELIVERY (any case) → the order
//     type.
//   - unique_code: optional, the idempotency key (below).
//   - Item: id (a product: hub id, ref id such as "P001", or SKU) and
//     quantity are required; title is display text and never read (names
//     come from the catalog); special_instructions is kept (on the line, or
//     as the note of a nested selection); price is required on cart lines
//     and optional inside groups.
//   - Money: amount is integer minor units and is what counts;
//     formatted_amount is never read (the seed's disagree with their
//     amounts); currency_code must be the same everywhere in the body and
//     be the brand's currency (422 currency_mismatch otherwise).
//   - ModifierGroup: type TASTE / COMBO / PACK is optional (any case);
//     pack_suit_id is required when type is PACK; combo_taste and
//     removed_items are optional; null and absent arrays are empty.
//     selected_modifier_groups nest at most MaxGroupDepth (3) levels; deeper
//     is a 400 naming the path.
//   - Limits (400): at most hub.MaxLines (200) cart lines, 2000 items at all
//     depths together, ids of 64 characters, unique_code of 255, texts of
//     500 bytes, a body of 1 MiB.
//
// # Mapping the modifier groups onto the canonical model
//
// A group holds either option values of its parent product (TASTE) or
// products filling slots of its parent combo (COMBO, PACK). An explicit
// type decides. Without one: a group with combo_taste true holds option
// values; on a combo product, a group holds option values when its id is
// one of the combo's option groups and every item is a value of it, and
// products otherwise; on any other product it holds option values. So, in
// the seed's examples, the groups without an id (主食選擇, 湯品, 肉品…) fill
// combo slots and the groups with an id (辣度 "1", 飯類選擇 "3"…) are
// options.
//
//   - TASTE: group id → option group id of the parent, item id → value id
//     (both integers). The item's quantity is the value's quantity. An item
//     with quantity 0 (the seed's 胡椒) is kept in the order's modifier tree
//     for display, never priced or counted. removed_items are recorded as
//     removed values (validated, never priced). An option value cannot have
//     groups of its own (422).
//   - COMBO / PACK: each selected item is a product (by the same lookup as
//     a line) filling a slot of the parent combo; its quantity is per unit
//     of the line (0: display only, as above); the group's id names the slot
//     when it is the id of a slot of the combo that offers that product,
//     otherwise the slot is the one offering it. The item's own groups are
//     its options (TASTE); a combo inside a combo item is refused (422).
//     removed_items are recorded as removed slot items.
//   - combo_taste groups at a combo's top level are the combo's own
//     options.
//   - The tree keeps what the channel said: the group type (explicit or as
//     inferred), pack_suit_id, combo_taste and the nested special
//     instructions (hub.ModifierTag on each modifier).
//
// Prices: each line's price.unit_price.amount is checked against the
// catalog's unit price (base, special/bulk price, option and slot
// adjustments) under the partner's price policy: a mismatch is 422
// price_mismatch at cart.items[i].price.unit_price.amount, or, with policy
// "accept", the order is taken and flagged. total_price and the prices
// inside groups are not checked: the seed's own combo example states a
// total of 245 for one unit at 165, and a line's unit price already
// includes every adjustment.
//
// # Idempotency and duplicates
//
// The idempotency key is unique_code when sent, else the order id. The
// same request again (same key, same body once decoded and re-encoded, so
// whitespace and key order do not matter) answers 204 again and creates
// nothing. The same key with a different body, or an id already used by
// another request of the brand, is 409 (idempotency_key_reused at
// unique_code, or duplicate_order at id). The Idempotency-Key header is
// honoured too (httpx.Idempotency, scoped per token): a reused key with a
// different request is 422 idempotency_key_reused, a key still in progress
// 409 request_in_progress.
//
// # Errors
//
// One envelope, {"error": {"code", "message", "path"}}, path naming the
// failing input as a path into the body (omitted when there is none):
//
//	400 invalid_request   malformed JSON, wrong JSON type, missing required field,
//	                      bad enum, nesting too deep
//	401 invalid_token     no, unknown or expired access token
//	413 too_large         a body over 1 MiB
//	429 rate_limited      over the client's (or, without a valid token, the
//	                      address's) rate limit, with Retry-After
//	403 forbidden         the client is not bound to exactly one location
//	404 unknown_product   a line's product is not in the brand's catalog (path …id)
//	409 duplicate_order, idempotency_key_reused (see above); out_of_stock,
//	    not_enough_stock, not_available, not_individual, supplier_restricted
//	    (the product or a combo item cannot be ordered now; not_available
//	    also when the store has snoozed it, or the only item of a combo's
//	    required slot); location_paused, with no path (the store is paused,
//	    DESIGN.md §9)
//	422 price_mismatch, currency_mismatch, invalid_option (unknown group or
//	    value, unknown or wrong combo item, slot limits, required options),
//	    below_minimum, above_maximum, bundle_size, invalid (other checks
//	    against the catalog)
//	500 internal          logged in full, never described
//
// e.g. {"error": {"code": "invalid_option", "message": "option group 1 has
// no value 9", "path": "cart.items[1].selected_modifier_groups[0].selected_items[0].id"}}.
//
// Another method than POST, on either path, is 405 with Allow: POST, in the
// path's envelope: {"error": {"code": "method_not_allowed", "message"}} on
// /v1/items, {"error": "invalid_request", "error_description"} on
// /v1/auth/login.
package tableorder
