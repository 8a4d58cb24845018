package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/protocol"
)

// The served API description is composed once per Handler by
// protocol.ComposeOpenAPI from the native document and the registry's
// parts.

// openAPIDoc is the composed document and its strong ETag.
type openAPIDoc struct {
	body []byte
	etag string
}

// OpenAPI is the composed API description of a registry, exactly as
// GET /openapi.json serves it (orderhub openapi prints it, for linters and
// client generators).
func OpenAPI(reg protocol.Registry) ([]byte, error) {
	d, err := composeOpenAPI(reg)
	if err != nil {
		return nil, err
	}
	return d.body, nil
}

// composeOpenAPI composes the document and its ETag.
func composeOpenAPI(reg protocol.Registry) (*openAPIDoc, error) {
	body, err := protocol.ComposeOpenAPI(api.OpenAPI(), reg)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &openAPIDoc{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

// serve is GET /openapi.json: the API description, with a strong ETag so
// that clients revalidate cheaply (If-None-Match answers 304;
// http.ServeContent also answers HEAD and ranges).
func (d *openAPIDoc) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", d.etag)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(d.body))
}
