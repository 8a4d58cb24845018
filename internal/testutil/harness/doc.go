// Package harness is the one shared fixture of the in-package HTTP tests
// of the protocols (internal/protocol/...), of internal/api and of
// internal/ui: a service on a store, a catalog declared as data, the
// surface under test over real HTTP behind testutil.ValidatingHandler,
// and the request helpers those tests share. Each package's
// fixture_test.go embeds a *Harness in its own fixture type.
//
// Decisions:
//
//   - It is not internal/testutil/world. A World is orderhub whole (the
//     demo data, server.Handler, every protocol), for external test
//     packages; this package imports no protocol package and not
//     internal/server, so a protocol's own tests (package omni) can use
//     it. The caller passes what is protocol-specific: the registry the
//     service knows (Config.Options), the routes it serves and the API
//     description they are checked against (Serve, ProtocolDoc).
//   - What goes where: here the mechanics every fixture had a copy of
//     (service construction with the test clock and testutil.Outbound;
//     brands, locations, products, partners and hub tokens created from
//     Data; the test server; Do; Rows, the "nothing was written" check
//     for Scenario.Unchanged). A package's fixture_test.go keeps what is
//     its own: its seed's catalog as a Data value, its partners, its wire
//     helpers (how its partners authenticate, its error envelope).
//     testutil keeps what needs no harness: stores, Clock, Outbound,
//     Must, ValidatingHandler, Scenario, CountRows, and the one JSON
//     comparison (SameJSON, SameShape, SameValue) that Scenario.Exact
//     uses too.
//   - The package is not named fixture: every test package already has
//     a type of that name, its own fixture, which embeds a *Harness.
//   - The catalog is data, not code: a Product is on sale (displayed,
//     launched, sold on its own) unless its fields say otherwise, refers
//     to locations by code and to combo items by ref, and is found again
//     by its ref (Harness.Product). Everything is created in a fixed
//     order (each brand with its locations; then every brand's products,
//     each with its stock; then partners; then hub tokens, the operator's first), the order the
//     fixtures used, so ids are what the tests' seeds expect, on both
//     databases.
package harness
