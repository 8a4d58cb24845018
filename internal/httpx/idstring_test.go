package httpx

import (
	"testing"

	"orderhub/internal/hub"
)

func TestIDString(t *testing.T) {
	for _, c := range []struct {
		body, want, field string
	}{
		{`{"id": "P001"}`, "P001", ""},
		{`{"id": "  P001 "}`, "P001", ""},
		{`{"id": 4821}`, "4821", ""},
		{`{"id": 12.50}`, "", "id"}, // an id is an integer
		{`{"id": 1e3}`, "", "id"},
		{`{"id": null}`, "", ""},
		{`{}`, "", ""},
		{`{"id": {"a": 1}}`, "", "id"},
		{`{"id": [1]}`, "", "id"},
		{`{"id": true}`, "", "id"},
	} {
		var v struct {
			ID IDString `json:"id"`
		}
		err := DecodeJSON([]byte(c.body), &v, true)
		if c.field == "" {
			if err != nil || string(v.ID) != c.want {
				t.Errorf("%s: %q, %v; want %q", c.body, v.ID, err, c.want)
			}
			continue
		}
		if hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != c.field {
			t.Errorf("%s: %v, want an error naming %s", c.body, err, c.field)
		}
	}
}
