// Package world is the one shared fixture of the tests that drive orderhub
// whole, through its root handler: the fuzz targets of every wire format
// and the auth matrix. A World is a store (one per test or fuzz target, not
// per iteration) holding the demo data (internal/demo: brand A with a
// partner of every protocol, an operator token and an admin), a second
// brand B with a partner of every protocol and a token of its own, and a
// revoked credential of every protocol and of the native API; requests go
// to server.Handler in process (ServeHTTP, no network).
//
// Decisions:
//
//   - It is a package of its own, not part of internal/testutil: it imports
//     internal/server and so every protocol, whose in-package tests import
//     testutil. Only external test packages (package x_test) import it.
//     The protocols' own tests, internal/api's and internal/ui's use
//     internal/testutil/harness instead: one service, a catalog declared
//     as data and one surface, with no protocol imported.
//   - Counts is the cheap "nothing was written" check of the fuzz targets:
//     one statement counting the rows a change leaves (orders, their
//     history, events, stock on hand, balance entries, partners,
//     products, credentials), compared before and after a refused
//     request. It is testutil.CountRows, which the harness's tables use
//     too (Scenario.Unchanged).
//   - Partner credentials are kept as the protocols' own DemoCredentials
//     values (demo.Credentials.Partner), so a test reads the fields it
//     knows; Key and ClientSecret give any of them generically.
package world
