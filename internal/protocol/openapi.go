package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"orderhub/internal/hub"
)

// ComposeOpenAPI composes the served API description: the native document
// (internal/api/openapi.json: health, /hub/v1 and the shared components)
// and each protocol's part (its package's openapi.json: its tags, paths,
// webhooks and components), in registry order, with the Channel schema's
// enum completed by the registry's channels. Objects merge member by member
// in document order, arrays (tags) append; a name two parts define is an
// error, so that one protocol cannot silently replace another's path or
// schema. It lives here, not in internal/server, so that a protocol's own
// tests can check their traffic against the document with their protocol
// in it (testutil.ValidatingHandler).
func ComposeOpenAPI(native []byte, reg Registry) ([]byte, error) {
	doc, err := parseOrdered(native)
	if err != nil {
		return nil, fmt.Errorf("internal/api/openapi.json: %w", err)
	}
	channels := []hub.Channel{hub.ChannelHub}
	for _, p := range reg {
		channels = append(channels, p.Channel)
		if len(p.OpenAPI) == 0 {
			continue
		}
		part, err := parseOrdered(p.OpenAPI)
		if err != nil {
			return nil, fmt.Errorf("protocol %s: openapi.json: %w", p.Channel, err)
		}
		if doc, err = merge(doc, part, "#"); err != nil {
			return nil, fmt.Errorf("protocol %s: openapi.json: %w", p.Channel, err)
		}
	}
	if err := setChannels(doc, channels); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, doc.encode(nil), "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// setChannels sets components.schemas.Channel.enum.
func setChannels(doc *node, channels []hub.Channel) error {
	ch := doc.get("components").get("schemas").get("Channel")
	if ch == nil || ch.get("enum") == nil {
		return fmt.Errorf("internal/api/openapi.json has no components.schemas.Channel.enum")
	}
	raw, err := marshal(channels)
	if err != nil {
		return err
	}
	*ch.get("enum") = node{raw: raw}
	return nil
}

// node is a JSON value that keeps its objects' member order: an object
// (members), an array (items) or any other value as it was written (raw).
type node struct {
	members []member
	items   []*node
	isObj   bool
	isArr   bool
	raw     json.RawMessage
}

type member struct {
	key   string
	value *node
}

// parseOrdered reads a JSON document into nodes.
func parseOrdered(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the document")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &node{isObj: true}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, member{key: kt.(string), value: v})
			}
			_, err := dec.Token() // '}'
			return n, err
		}
		n := &node{isArr: true}
		for dec.More() {
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err := dec.Token() // ']'
		return n, err
	default:
		raw, err := marshal(t)
		return &node{raw: raw}, err
	}
}

// marshal is json.Marshal without HTML escaping ("<hub token>" stays as
// written).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// get returns an object's member, or nil.
func (n *node) get(key string) *node {
	if n == nil || !n.isObj {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// merge adds part's members to doc's: the document's top level, its
// paths, webhooks and components, and each section of the components merge
// member by member; tags append; anything else defined in both (a path, a
// schema, info) is a conflict.
func merge(doc, part *node, at string) (*node, error) {
	switch {
	case doc.isObj && part.isObj && mergeable(at):
		for _, m := range part.members {
			if old := doc.get(m.key); old != nil {
				if _, err := merge(old, m.value, at+"/"+m.key); err != nil {
					return nil, err
				}
				continue
			}
			doc.members = append(doc.members, m)
		}
		return doc, nil
	case doc.isArr && part.isArr && at == "#/tags":
		doc.items = append(doc.items, part.items...)
		return doc, nil
	}
	return nil, fmt.Errorf("%s is defined twice", at)
}

// mergeable reports whether the object at a JSON pointer merges members.
func mergeable(at string) bool {
	switch at {
	case "#", "#/paths", "#/webhooks", "#/components":
		return true
	}
	section, ok := strings.CutPrefix(at, "#/components/")
	return ok && !strings.Contains(section, "/")
}

// encode writes n as compact JSON.
func (n *node) encode(b []byte) []byte {
	switch {
	case n.isObj:
		b = append(b, '{')
		for i, m := range n.members {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := marshal(m.key)
			b = append(append(b, k...), ':')
			b = m.value.encode(b)
		}
		return append(b, '}')
	case n.isArr:
		b = append(b, '[')
		for i, v := range n.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.encode(b)
		}
		return append(b, ']')
	}
	return append(b, n.raw...)
}
