package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"orderhub/internal/api"
)

// openAPIETag is a strong ETag of the embedded document.
var openAPIETag = func() string {
	sum := sha256.Sum256(api.OpenAPI())
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// serveOpenAPI is GET /openapi.json: the API description (internal/api's
// openapi.json), with a strong ETag so that clients revalidate cheaply
// (If-None-Match answers 304; http.ServeContent also answers HEAD and
// ranges).
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", openAPIETag)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(api.OpenAPI()))
}
