package api

import (
	_ "embed"
	"net/http"
)

// openAPI is orderhub's API description (OpenAPI 3.1): every API route
// served on the mux (health, /openapi.json, /hub/v1 and every partner
// protocol in its own wire format) and, under "webhooks", the calls
// orderhub makes. The dashboard's pages (/ui/, and / that redirects there)
// are HTML for people, not an API, and are left out on purpose.
// internal/server's tests keep it and the mux in step, and this package's
// tests keep its schemas in step with the JSON the handlers write.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the API description as JSON. Callers must not modify it.
func OpenAPI() []byte { return openAPI }

// Mux is where routes are registered: *http.ServeMux, or a wrapper (the
// tests record the patterns registered).
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}
