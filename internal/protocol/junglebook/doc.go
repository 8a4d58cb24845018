// Package junglebook serves the partner-shop order intake of seed 002
// ("Junglebook", 주문접수 API):
//
//	POST /order        validate and take an order (and pay it from cash)
//	POST /order/test   validate fully, answer as if taken, store nothing
//
// It only translates: the wire format in, service calls out
// (service.AuthenticateAPIKey, service.OrderProblems, service.PlaceOrder),
// the wire format back. Catalog, stock, pricing, duplicate, delivery-fee and
// cash-balance rules live in internal/hub and internal/service (balance.go,
// problems.go); the orders it takes are ordinary hub orders that the POS
// (/api/store/orders/*), /hub/v1, the dashboard and callbacks see like any
// other. Below is every decision about the wire, taken where the seed is
// silent (DESIGN.md §4 took the others).
//
// # Request
//
//   - Auth: "Authorization: <api_key>", the raw key of a live credential of
//     a partner whose protocol is junglebook; "Bearer <api_key>" is accepted
//     too. No key: HTTP 401, errCode "001", parameter "Authorization". An
//     unknown, revoked or disabled key, or another protocol's key: HTTP 401,
//     errCode "002", parameter "Authorization", errMsg "invalid api_key: ...".
//     Both in the envelope below.
//   - Method: POST only; anything else is 405 with Allow: POST and errCode
//     "999" in the envelope.
//   - Body: the data object as the multipart field "data" (the seed's curl
//     -F; a file part named "data" works too), as an urlencoded "data", or
//     as the raw body (any other Content-Type, or none; or a JSON object
//     labelled urlencoded, as curl -d sends it). A raw body that is
//     exactly {"data": {...}} or {"data": "<json>"} is unwrapped. No data:
//     001 on "data"; data that is not a JSON object (or a body over 1 MiB):
//     002 on "data". Unknown fields are ignored.
//   - Idempotency-Key is honoured on both calls by the shared
//     httpx.Idempotency middleware (scoped per Authorization header); its
//     conflicts answer 409/422 in the envelope with errCode "002" and
//     parameter "Idempotency-Key".
//
// # Field rules, checked in the order of the seed's error table
//
// First every required field (001), in the order the seed documents them:
// nameReceiver, phoneReceiver, mobileReceiver, zipCode, address, address2,
// bankSender (only when settleKind is "a" or absent), doubleCheck,
// orderItem, then each item's goodsNo and ea. Absent, null and blank
// (whitespace) count as missing. Then every format (002), in the same
// order:
//
//	oaType          null, "" or absent = "api"; else one of api, storefarm,
//	                emp, talkstore, mall, opo (case-insensitive)
//	oaOrderNo       a string (a JSON integer is taken as its digits), at
//	                most 50 characters, no control characters; null, "" or
//	                absent: generated, equal to the ordNo
//	nameReceiver    a string of 2 to 50 characters
//	phoneReceiver,  a string (or JSON integer) of at most 30 characters:
//	mobileReceiver  digits, spaces and + - ( ) . with at least one digit
//	zipCode         a string (or JSON integer) of at most 10 characters: 5 or
//	                more digits, hyphens allowed between them (old 123-456)
//	address,        strings of 1 to 200 characters
//	address2
//	settleKind      null, "" or absent = "a"; else "a" or "s"
//	bankSender      when sent: a string of 1 to 50 characters
//	doubleCheck     an integer, as a JSON number or a string of digits (the
//	                seed documents an int and sends "1"); anything else is 002
//	memo            null/absent, or a string of at most 100 characters
//	orderItem       an array (at most 200 items) of objects
//	goodsNo         a positive integer, as a JSON number or a string of digits
//	ea              a positive integer below 10^9, likewise (ea above the
//	                per-line limit of 9999 is 205, a catalog rule)
//
// Then: doubleCheck other than 1 is 101 ("0" and 2 alike); the same goodsNo
// twice is 102 (naming the second); an empty orderItem is 104. The
// parameter names the field: "nameReceiver", or for items
// "orderItem[1].goodsNo" / "orderItem[1].ea" (0-based), "orderItem[1]" for
// an item that is not an object.
//
// The catalog and order rules come next, all of them at once:
// service.OrderProblems reports every problem (duplicate oaOrderNo, and per
// item each rule on its own), and the one the seed's table ranks first is
// answered; between equal codes, the earlier item. So a duplicate order
// (105) wins over any goods error, an unknown goods (201) over a
// supplier-restricted one (208) on an earlier item, a bundle error (203)
// over a supplier restriction on the same item. The mapping:
//
//	103  not launched, outside its launch window, not displayed, not sold at
//	     the location, outside its timeslots, or sold only inside combos;
//	     also the whole order when the store is paused (DESIGN.md §9), with
//	     parameter "orderItem"
//	105  an order of this brand and channel already has this oaOrderNo
//	201  no product of the brand has this goodsNo (see goods numbers)
//	202  the product needs option choices (required option groups), which
//	     this protocol cannot send
//	203  ea is not a multiple of the bundle size
//	204  ea below the product's minimum
//	205  ea above the product's maximum (or the per-line limit of 9999)
//	206  runout: the product is flagged sold out (hub.Product.SoldOut), its
//	     tracked stock at the location is 0, or the store has snoozed it
//	     (goodsData.runout "1")
//	207  not enough stock (tracked stock below ea); also a platform provider's
//	     inventory refusal, were one configured
//	208  the supplier restricts the product
//
// A race lost after the check (stock taken, the same oaOrderNo placed by a
// concurrent request) is answered the same way from PlaceOrder's error.
// Two concurrent requests with one oaOrderNo make one order and one 105:
// a unique index decides, and the loser's whole unit of work (stock, cash)
// is rolled back.
//
// # Goods numbers
//
// goodsNo names a product the way DESIGN.md §2 says partners name products:
// hub id first, then ref id, then SKU, within the partner's brand. A shop
// whose goods numbers are the products' ref ids ("7373") should keep hub
// ids and ref ids from overlapping (the demo's partner simply orders by hub
// id).
//
// # Answers
//
// Business failures are HTTP 200. Every JSON type is the seed's:
//
//   - Accepted: orderResult {"success": "1" (string), ordNo, oaType,
//     oaApiOrdno (the oaOrderNo, generated or not), nameReceiver, zipCode,
//     address (address + " " + address2), orderGoods, settleKind,
//     settlePrice, totalGoodsPrice, delivery, memo} (all strings; memo is ""
//     when none was sent) and payResult {"successs": 1|0 (number, the
//     seed's triple s), payResultMsg, cashBalance, payAmount} with
//     cashBalance and payAmount digit strings. payAmount is settlePrice.
//   - payResult of an accepted order: settleKind "s" paid: 1, "success",
//     the balance after the payment; "s" not covered: 0, "not enough
//     cash", the untouched balance; settleKind "a": 0, "waiting for bank
//     transfer", the current balance (the seed shows no "a" answer but
//     says successs is 0); /order/test: 0, "order test :)", the current
//     balance.
//   - Order errors (001–105, 201, and 002 from the service):
//     orderResult {"success": 0 (number), errCode, parameter, errMsg} and
//     payResult {"successs": 0, "payResultMsg": "did not even try because
//     order failed", "cashBalance": current balance, "payAmount": 0
//     (number)}. 105's parameter is {"oaOrderNo", "dupOrderData": {"ordNo",
//     "oaOrderNo", "nameReceiver"}} of the stored order.
//   - Goods errors (202–208, the "주문상품 오류" of the seed's runout
//     example): payResult first, with "bankAccount" (the partner's setting,
//     default "1") and "bankSender" (the request's, null when none), and
//     orderResult {"success": "0" (string), goodsData, errCode, errMsg}, no
//     parameter. 201 has no goods to describe and answers as an order error.
//   - goodsData, all strings: goodsNo (the product's ref id when it is
//     numeric, else the goodsNo sent), goodsNm (Korean name), goodsPrice
//     (catalog price), goodsStock (tracked stock at the location, "" when
//     untracked), runout ("1" when flagged sold out, snoozed or stock 0), open ("1"
//     when displayed), goodsDetail (attribute, else the Korean
//     description), categoryCode (attribute, else the category ids joined
//     with "|"), and categoryNm, origin, maker, brand,
//     suggestionSalesPrice, goodsImage, EAD, inPackageEA, tags from
//     hub.Product.Attributes under those same keys ("" when absent).
//   - Outside the table: errCode "999" in the order-error shape, with HTTP
//     403 (the configured location is outside the partner's scope), 405,
//     413 (a body, or a multipart data field, over 1 MiB; parameter
//     "body"), 429 with Retry-After (over the key's or, without a valid
//     key, the address's rate limit), 500 (internal errors and
//     misconfigured settings; logged, never described) or 503 (the store
//     is unavailable).
//
// The seed's cash-success example shows settleKind "a": it is a copy of the
// bank-transfer example (the seed says "a" orders are never paid from
// cash). orderResult.settleKind echoes the request, so a cash payment
// answers "s"; the golden test records this one deviation.
//
// # Orders
//
// ordNo is a random 13-digit number (first digit non-zero), stored as the
// order's ChannelRef, so the POS, /hub/v1/orders/{ref} and the dashboard
// find the order by it as well as by its oaOrderNo (ExternalRef) and hub
// number. /order/test answers a fresh ordNo that names nothing. An order is
// a delivery order at the partner's location: the configured one, else the
// partner's first, else the brand's first. Receiver and memo go to
// Order.Delivery (receiver, phone, mobile, zip, address, address2, memo),
// the receiver's name and phone to Order.Customer, the memo also to
// Order.Notes; oaType, settleKind, bankSender, ordNo and oaOrderNo to
// Order.Attributes. Payment method: "bank_transfer" for "a", "cash_balance"
// for "s". Duplicates are checked per brand and channel (the unique index
// that lets an oaOrderNo name one order within the brand, DESIGN.md §2);
// with one Junglebook partner per brand that is per partner.
//
// Prices: totalGoodsPrice is the goods subtotal, delivery the partner's
// delivery fee (waived from its free-delivery threshold), settlePrice the
// order total (with tax-included prices, goods + delivery; a brand with
// tax on top adds its tax). Amounts are the brand currency's minor units
// written as digit strings (KRW 7600 → "7600"). orderGoods is "<first
// item's Korean name> 외 N건" with N the other items, or the name alone for
// one item.
//
// Cash: settleKind "s" sets service.PlaceOrderInput.PayFromBalance: the
// partner's cash balance is debited in the order's own unit of work and the
// order is marked paid, with its balance entry, a "pay" history row and an
// order.paid event; when the balance does not cover settlePrice the order
// is still taken, unpaid, and the balance is untouched. Balances are topped
// up and read through /hub/v1/partners/{id}/balance (see internal/api).
// settleKind "a" orders stay unpaid until a payment is recorded through the
// common path (service.MarkPaid: POST /hub/v1/orders/{ref}/payment, the
// POS's paid call).
//
// oaType "opo" (자사상품 발주): stock and sold-out checks are skipped
// (PlaceOrderInput.SkipStock, and the platform inventory hook), so the
// order is taken for the quantity asked whatever the stock; all other rules
// apply. When the partner has a logistics centre configured, the receiver
// (nameReceiver, zipCode, address, address2) is replaced by it and those
// four fields are neither required nor checked; without one, the request's
// receiver is used and required as usual.
//
// /order/test runs every check of /order (duplicates and stock included)
// and PlaceOrder as a dry run: no order, stock, balance, event or history
// row is written.
//
// # Partner settings (hub.PartnerSettings.Extra)
//
//	delivery_fee        delivery fee in minor units (default 0), at most
//	                    hub.MaxFee (half of hub.MaxAmount), so that an
//	                    order's total (goods plus fee) can still be paid
//	free_delivery_from  goods total from which delivery is free (0: never)
//	location_id         the location orders go to (default above)
//	bank_account        payResult.bankAccount of goods errors (default "1")
//	logistics_center    {"name", "zip_code", "address", "address2", "phone"}:
//	                    the "opo" receiver (phone optional; the request's
//	                    phoneReceiver otherwise)
//
// Protocol has the service check them whenever the partner is created or
// changed: a key not listed here, a value of the wrong type or out of
// range (a delivery_fee above hub.MaxFee), an incomplete
// logistics_center or a location_id the partner may not order for is a 400
// naming the field (settings.extra.delivery_fee), and nothing is stored, so
// a setting never fails at order time. Only a setting stored before that
// check that cannot be read answers 500 (errCode "999"), logged with the key
// it concerns.
package junglebook
