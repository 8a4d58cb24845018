package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"orderhub/internal/hub"
)

// The catalog the bench builds through /hub/v1, as a user would.
const (
	numLocations = 10
	numProducts  = 1000
	// menuProducts are sold at every location; the others at every
	// location but the first, so the first location's menu (the menu
	// figure) lists exactly menuProducts products and the others 1,000.
	menuProducts = 200
	// Every optionEvery-th product has two option groups.
	optionEvery = 10
	// stockQuantity is large enough never to run out during a run.
	stockQuantity = 1_000_000_000
)

// world is what setup created: ids and credentials.
type world struct {
	brandID   int64
	currency  string
	locations []int64
	products  []benchProduct
	// byLoc lists the product indexes sold at each location; withOpts
	// those of them that have option groups.
	byLoc    map[int64][]int
	withOpts map[int64][]int

	hubToken   string
	kakaoKey   string
	kakaoID    int64
	omniKey    string
	omniID     int64
	zeekID     int64
	qr         map[int64]qrPartner // by location
	junglebook map[int64]keyPartner
	qrTokens   map[int64]string // access tokens by location, refreshed per child
}

type benchProduct struct {
	ID      int64
	Ref     string
	Name    string
	Price   int64
	Options bool
}

type qrPartner struct {
	ID           int64
	ClientID     string
	ClientSecret string
}

type keyPartner struct {
	ID  int64
	Key string
}

// spice and size are the option groups of the products that have options;
// value prices are adjustments in minor units.
var (
	optSpice = hub.OptionGroup{ID: 1, Name: hub.I18n{"ko": "맵기", "en": "Spice level"}, Max: 1, Values: []hub.OptionValue{
		{ID: 1, Name: hub.I18n{"ko": "순한맛", "en": "Mild"}}, {ID: 2, Name: hub.I18n{"ko": "보통", "en": "Medium"}},
		{ID: 3, Name: hub.I18n{"ko": "매운맛", "en": "Hot"}, Price: 500}}}
	optSize = hub.OptionGroup{ID: 2, Name: hub.I18n{"ko": "크기", "en": "Size"}, Max: 1, Values: []hub.OptionValue{
		{ID: 1, Name: hub.I18n{"ko": "보통", "en": "Regular"}}, {ID: 2, Name: hub.I18n{"ko": "곱빼기", "en": "Large"}, Price: 1000}}}
)

// api calls /hub/v1 and the partner login during setup.
type api struct {
	c     *Client
	base  string
	token string
}

// call sends in as JSON and decodes the answer into out; an answer other
// than want is an error.
func (a *api) call(ctx context.Context, method, path string, in, out any, want int) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := a.c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d, want %d: %s", method, path, res.StatusCode, want, snippet(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// setupWorld creates the brand, its locations, products, stock and
// partners through the public API of a running orderhub.
func setupWorld(ctx context.Context, c *Client, base, hubToken string, logf func(string, ...any)) (*world, error) {
	a := &api{c: c, base: base, token: hubToken}
	w := &world{hubToken: hubToken, currency: "KRW", byLoc: map[int64][]int{}, withOpts: map[int64][]int{},
		qr: map[int64]qrPartner{}, junglebook: map[int64]keyPartner{}, qrTokens: map[int64]string{}}

	var brand hub.Brand
	if err := a.call(ctx, "POST", "/hub/v1/brands", map[string]any{"name": "Bench Diner", "currency": w.currency,
		"tax_rate_bp": 1000, "tax_included": true}, &brand, http.StatusCreated); err != nil {
		return nil, err
	}
	w.brandID = brand.ID
	for i := 0; i < numLocations; i++ {
		var l hub.Location
		if err := a.call(ctx, "POST", "/hub/v1/locations", map[string]any{"brand_id": w.brandID, "code": fmt.Sprintf("L%02d", i+1),
			"name": fmt.Sprintf("Bench store %d", i+1), "timezone": "Asia/Seoul", "address": "서울특별시 강남구 테헤란로 " + strconv.Itoa(100+i)},
			&l, http.StatusCreated); err != nil {
			return nil, err
		}
		w.locations = append(w.locations, l.ID)
	}

	w.products = make([]benchProduct, numProducts)
	err := parallel(ctx, numProducts, 16, func(ctx context.Context, i int) error {
		ref := fmt.Sprintf("P%04d", i+1)
		p := map[string]any{
			"brand_id": w.brandID, "ref_id": ref, "sku": fmt.Sprintf("SKU-%05d", i+1),
			"name":            hub.I18n{"ko": fmt.Sprintf("벤치 메뉴 %d", i+1), "en": fmt.Sprintf("Bench dish %d", i+1)},
			"description":     hub.I18n{"ko": "매일 아침 준비하는 신선한 재료로 만든 요리", "en": "Made every morning from fresh ingredients"},
			"type":            1,
			"price":           5000 + int64(i%20)*500,
			"sort_order":      i,
			"displayed":       true,
			"individual_sale": true,
			"deduct_stock":    true,
			"launch":          map[string]any{"launched": true},
		}
		if i >= menuProducts {
			p["location_ids"] = w.locations[1:]
		}
		opts := i%optionEvery == 0
		if opts {
			p["option_groups"] = []hub.OptionGroup{optSpice, optSize}
		}
		var got hub.Product
		if err := a.call(ctx, "POST", "/hub/v1/products", p, &got, http.StatusCreated); err != nil {
			return err
		}
		w.products[i] = benchProduct{ID: got.ID, Ref: ref, Name: got.Name.Get("en"), Price: got.Price, Options: opts}
		return nil
	})
	if err != nil {
		return nil, err
	}
	logf("setup: %d products created", len(w.products))
	type stockRow struct{ loc, prod int64 }
	var rows []stockRow
	for li, loc := range w.locations {
		for i := range w.products {
			if i >= menuProducts && li == 0 {
				continue
			}
			w.byLoc[loc] = append(w.byLoc[loc], i)
			if w.products[i].Options {
				w.withOpts[loc] = append(w.withOpts[loc], i)
			}
			rows = append(rows, stockRow{loc, w.products[i].ID})
		}
	}
	err = parallel(ctx, len(rows), 64, func(ctx context.Context, i int) error {
		r := rows[i]
		return a.call(ctx, "PUT", fmt.Sprintf("/hub/v1/locations/%d/stock/%d", r.loc, r.prod),
			map[string]any{"quantity": stockQuantity}, nil, http.StatusOK)
	})
	if err != nil {
		return nil, err
	}

	logf("setup: %d stock rows set", len(rows))
	type created struct {
		ID         int64 `json:"id"`
		Credential struct {
			APIKey       string `json:"api_key"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"credential"`
	}
	partner := func(protocol, name string, locs []int64) (*created, error) {
		var out created
		err := a.call(ctx, "POST", "/hub/v1/partners", map[string]any{"brand_id": w.brandID, "protocol": protocol, "name": name,
			"location_ids": locs}, &out, http.StatusCreated)
		return &out, err
	}
	k, err := partner("kakao", "bench kakao", w.locations)
	if err != nil {
		return nil, err
	}
	w.kakaoKey, w.kakaoID = k.Credential.APIKey, k.ID
	o, err := partner("omni", "bench POS", w.locations)
	if err != nil {
		return nil, err
	}
	w.omniKey, w.omniID = o.Credential.APIKey, o.ID
	z, err := partner("zeek", "bench platform", w.locations)
	if err != nil {
		return nil, err
	}
	w.zeekID = z.ID
	for i, loc := range w.locations {
		q, err := partner("tableorder", fmt.Sprintf("bench QR %d", i+1), []int64{loc})
		if err != nil {
			return nil, err
		}
		w.qr[loc] = qrPartner{ID: q.ID, ClientID: q.Credential.ClientID, ClientSecret: q.Credential.ClientSecret}
		j, err := partner("junglebook", fmt.Sprintf("bench shop %d", i+1), []int64{loc})
		if err != nil {
			return nil, err
		}
		w.junglebook[loc] = keyPartner{ID: j.ID, Key: j.Credential.APIKey}
	}
	for _, kp := range []string{w.kakaoKey, w.omniKey} {
		if kp == "" {
			return nil, fmt.Errorf("a partner was created without an API key")
		}
	}
	return w, nil
}

// loginQR gets a fresh access token for every QR partner (tokens live an
// hour; the bench logs in again at each child start).
func (w *world) loginQR(ctx context.Context, c *Client, base string) error {
	a := &api{c: c, base: base}
	for loc, q := range w.qr {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := a.call(ctx, "POST", "/v1/auth/login", map[string]string{"grant_type": "client_credentials",
			"client_id": q.ClientID, "client_secret": q.ClientSecret}, &tok, http.StatusOK); err != nil {
			return err
		}
		w.qrTokens[loc] = tok.AccessToken
	}
	return nil
}
