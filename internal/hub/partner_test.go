package hub

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPartnerValidate(t *testing.T) {
	valid := func() Partner {
		return Partner{
			BrandID: 1, Protocol: ChannelZeek, Name: "Circle K",
			Settings: PartnerSettings{
				CallbackURL: "https://client.example/callback", ProviderURL: "http://provider.example:8080/inventory",
				PricePolicy: PriceAccept, InventoryTimeoutMS: 3000,
			},
		}
	}
	tests := []struct {
		name   string
		modify func(*Partner)
		want   *wantErr
	}{
		{"valid", func(*Partner) {}, nil},
		{"brand missing", func(p *Partner) { p.BrandID = 0 }, invalidAt("brand_id")},
		{"brand negative", func(p *Partner) { p.BrandID = -1 }, invalidAt("brand_id")},
		{"protocol malformed", func(p *Partner) { p.Protocol = "KAKAO" }, invalidAt("protocol")},
		{"protocol unknown to hub", func(p *Partner) { p.Protocol = "toss" }, nil}, // the registry's to refuse
		{"protocol empty", func(p *Partner) { p.Protocol = "" }, invalidAt("protocol")},
		{"protocol hub", func(p *Partner) { p.Protocol = ChannelHub }, nil},
		{"callback relative", func(p *Partner) { p.Settings.CallbackURL = "/callback" }, invalidAt("settings.callback_url")},
		{"callback ftp", func(p *Partner) { p.Settings.CallbackURL = "ftp://client.example/x" }, invalidAt("settings.callback_url")},
		{"callback without host", func(p *Partner) { p.Settings.CallbackURL = "https://" }, invalidAt("settings.callback_url")},
		{"callback unparsable", func(p *Partner) { p.Settings.CallbackURL = "http://a b.example/%zz" }, invalidAt("settings.callback_url")},
		{"provider not a URL", func(p *Partner) { p.Settings.ProviderURL = "provider.example" }, invalidAt("settings.provider_url")},
		{"bot url bad", func(p *Partner) { p.Settings.BotURL = "mailto:bot@example.com" }, invalidAt("settings.bot_url")},
		{"bot url good", func(p *Partner) { p.Settings.BotURL = "https://bot.example" }, nil},
		{"price policy reject", func(p *Partner) { p.Settings.PricePolicy = PriceReject }, nil},
		{"price policy unknown", func(p *Partner) { p.Settings.PricePolicy = "flag" }, invalidAt("settings.price_policy")},
		{"timeout negative", func(p *Partner) { p.Settings.InventoryTimeoutMS = -1 }, invalidAt("settings.inventory_timeout_ms")},
		{"timeout a minute", func(p *Partner) { p.Settings.InventoryTimeoutMS = 60000 }, nil},
		{"timeout above a minute", func(p *Partner) { p.Settings.InventoryTimeoutMS = 60001 }, invalidAt("settings.inventory_timeout_ms")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.modify(&p)
			checkErr(t, p.Validate(), tt.want)
		})
	}
}

func TestPartnerValidateDefaults(t *testing.T) {
	p := Partner{BrandID: 1, Protocol: ChannelKakao, Name: "  "}
	checkErr(t, p.Validate(), nil)
	if p.Name != "kakao" {
		t.Errorf("Name = %q, want the protocol", p.Name)
	}
	if p.Settings.PricePolicy != PriceReject {
		t.Errorf("PricePolicy = %q, want reject by default", p.Settings.PricePolicy)
	}
	p = Partner{BrandID: 1, Protocol: ChannelOmni, Name: " POS 1 "}
	checkErr(t, p.Validate(), nil)
	if p.Name != "POS 1" {
		t.Errorf("Name = %q, want it trimmed", p.Name)
	}
}

func TestPartnerCanAccess(t *testing.T) {
	tests := []struct {
		name     string
		partner  Partner
		brand    int64
		location int64
		want     bool
	}{
		{"whole brand, any location", Partner{BrandID: 1}, 1, 7, true},
		{"whole brand, brand-level call", Partner{BrandID: 1}, 1, 0, true},
		{"another brand", Partner{BrandID: 1}, 2, 7, false},
		{"another brand, brand-level call", Partner{BrandID: 1}, 2, 0, false},
		{"listed location", Partner{BrandID: 1, LocationIDs: []int64{3, 7}}, 1, 7, true},
		{"unlisted location", Partner{BrandID: 1, LocationIDs: []int64{3, 7}}, 1, 8, false},
		{"listed location of another brand", Partner{BrandID: 1, LocationIDs: []int64{7}}, 2, 7, false},
		{"location-bound, brand-level call", Partner{BrandID: 1, LocationIDs: []int64{7}}, 1, 0, true},
		{"empty list means every location", Partner{BrandID: 1, LocationIDs: []int64{}}, 1, 9, true},
		{"disabled", Partner{BrandID: 1, Disabled: true}, 1, 7, false},
		{"disabled, brand-level call", Partner{BrandID: 1, Disabled: true}, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.partner.CanAccess(tt.brand, tt.location); got != tt.want {
				t.Errorf("CanAccess(%d, %d) = %v, want %v", tt.brand, tt.location, got, tt.want)
			}
		})
	}
}

func TestPartnerCanEditProduct(t *testing.T) {
	brandLocs := []int64{3, 7}
	tests := []struct {
		name    string
		partner Partner
		product Product
		want    bool
	}{
		{"whole brand, product everywhere", Partner{BrandID: 1}, Product{BrandID: 1}, true},
		{"whole brand, product at one location", Partner{BrandID: 1}, Product{BrandID: 1, LocationIDs: []int64{3}}, true},
		{"another brand's product", Partner{BrandID: 1}, Product{BrandID: 2}, false},
		{"disabled", Partner{BrandID: 1, Disabled: true}, Product{BrandID: 1}, false},
		{"bound, product within its locations", Partner{BrandID: 1, LocationIDs: []int64{7}}, Product{BrandID: 1, LocationIDs: []int64{7}}, true},
		{"bound, product sold nowhere", Partner{BrandID: 1, LocationIDs: []int64{7}}, Product{BrandID: 1, LocationIDs: []int64{}}, true},
		{"bound, product also elsewhere", Partner{BrandID: 1, LocationIDs: []int64{7}}, Product{BrandID: 1, LocationIDs: []int64{3, 7}}, false},
		{"bound, product everywhere", Partner{BrandID: 1, LocationIDs: []int64{7}}, Product{BrandID: 1}, false},
		{"bound to every location, product everywhere", Partner{BrandID: 1, LocationIDs: []int64{3, 7}}, Product{BrandID: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.partner.CanEditProduct(&tt.product, brandLocs); got != tt.want {
				t.Errorf("CanEditProduct = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidChannel(t *testing.T) {
	for _, c := range []Channel{ChannelHub, ChannelKakao, ChannelOmni, ChannelJunglebook, ChannelZeek, ChannelTableOrder, "toss", "pos2"} {
		if !ValidChannel(c) {
			t.Errorf("ValidChannel(%q) = false", c)
		}
	}
	for _, c := range []Channel{"", "KAKAO", "2go", "ka-kao", "ka kao", "käkao", Channel(strings.Repeat("a", MaxChannelLen+1))} {
		if ValidChannel(c) {
			t.Errorf("ValidChannel(%q) = true", c)
		}
	}
}

func TestCredentialRole(t *testing.T) {
	for _, tt := range []struct {
		role            CredentialRole
		store, customer bool
	}{
		{CredentialBoth, true, true},
		{CredentialStore, true, false},
		{CredentialCustomer, false, true},
		{"", false, false}, // not a role: allows nothing
		{"pos", false, false},
	} {
		if got := tt.role.Allows(RoleStore); got != tt.store {
			t.Errorf("%q.Allows(store) = %v", tt.role, got)
		}
		if got := tt.role.Allows(RoleCustomer); got != tt.customer {
			t.Errorf("%q.Allows(customer) = %v", tt.role, got)
		}
		if got := tt.role.Valid(); got != (tt.store || tt.customer) {
			t.Errorf("%q.Valid() = %v", tt.role, got)
		}
	}
	if CredentialBoth.Allows("kitchen") {
		t.Error("both allows an unknown role")
	}
}

func TestSoleLocation(t *testing.T) {
	for _, tt := range []struct {
		locs []int64
		want int64
	}{{[]int64{7}, 7}, {nil, 0}, {[]int64{7, 8}, 0}} {
		p := Partner{LocationIDs: tt.locs}
		id, err := p.SoleLocation()
		if tt.want != 0 {
			if err != nil || id != tt.want {
				t.Errorf("%v: %d, %v", tt.locs, id, err)
			}
			continue
		}
		checkErr(t, err, &wantErr{code: CodeForbidden})
	}
}

func TestShortOfMinimum(t *testing.T) {
	for _, tt := range [][3]int64{{50000, 12000, 38000}, {50000, 50000, 0}, {50000, 70000, 0}, {0, 100, 0}} {
		if got := ShortOfMinimum(tt[0], tt[1]); got != tt[2] {
			t.Errorf("ShortOfMinimum(%d, %d) = %d, want %d", tt[0], tt[1], got, tt[2])
		}
	}
}

func TestExtraSettings(t *testing.T) {
	s := PartnerSettings{Extra: map[string]any{
		"fee": float64(2500), "fee_text": " 30000 ", "fee_int": 7, "fee_number": json.Number("12"), "null": nil,
		"bad_fee": "lots", "neg": float64(-1), "frac": 2.5, "huge": float64(1e20),
		"name": " Seoul ", "not_name": 3,
		"obj": map[string]any{"a": "x"}, "obj_extra": map[string]any{"a": "x", "b": 1}, "obj_type": map[string]any{"a": 1}, "not_obj": "x",
	}}
	for key, want := range map[string]int64{"fee": 2500, "fee_text": 30000, "fee_int": 7, "fee_number": 12, "null": 0, "absent": 0} {
		if got, err := s.ExtraAmount(key); err != nil || got != want {
			t.Errorf("ExtraAmount(%s) = %d, %v; want %d", key, got, err, want)
		}
	}
	for _, key := range []string{"bad_fee", "neg", "frac", "huge", "obj"} {
		_, err := s.ExtraAmount(key)
		checkErr(t, err, invalidAt("settings.extra."+key))
	}
	// A lower bound, in each form a setting may take: at it is read, above
	// it is invalid.
	for _, v := range []any{float64(MaxFee), MaxFee, int(MaxFee), json.Number("50000000000000"), "50000000000000"} {
		s := PartnerSettings{Extra: map[string]any{"fee": v}}
		if got, err := s.ExtraAmountUpTo("fee", MaxFee); err != nil || got != MaxFee {
			t.Errorf("ExtraAmountUpTo(%T %v) = %d, %v; want %d", v, v, got, err, MaxFee)
		}
	}
	for _, v := range []any{float64(MaxFee + 1), MaxFee + 1, int(MaxFee + 1), json.Number("50000000000001"), "50000000000001", float64(MaxAmount)} {
		s := PartnerSettings{Extra: map[string]any{"fee": v}}
		_, err := s.ExtraAmountUpTo("fee", MaxFee)
		checkErr(t, err, invalidAt("settings.extra.fee"))
		if e := AsError(err); e == nil || e.Message != "must be a non-negative integer of at most 50000000000000" {
			t.Errorf("ExtraAmountUpTo(%T %v): %v", v, v, err)
		}
	}
	if got, err := s.ExtraString("name"); err != nil || got != "Seoul" {
		t.Errorf("ExtraString(name) = %q, %v", got, err)
	}
	_, err := s.ExtraString("not_name")
	checkErr(t, err, invalidAt("settings.extra.not_name"))
	var o struct {
		A string `json:"a"`
	}
	if found, err := s.ExtraObject("obj", &o); !found || err != nil || o.A != "x" {
		t.Errorf("ExtraObject(obj) = %v, %v, %+v", found, err, o)
	}
	if found, err := s.ExtraObject("absent", &o); found || err != nil {
		t.Errorf("ExtraObject(absent) = %v, %v", found, err)
	}
	for _, key := range []string{"obj_extra", "obj_type", "not_obj"} {
		_, err := s.ExtraObject(key, &o)
		checkErr(t, err, invalidAt("settings.extra."+key))
	}
	if err := (PartnerSettings{Extra: map[string]any{"a": 1, "b": 2}}).ExtraKnown("a", "b"); err != nil {
		t.Errorf("known keys refused: %v", err)
	}
	err = (PartnerSettings{Extra: map[string]any{"a": 1, "zz": 2, "yy": 3}}).ExtraKnown("a")
	checkErr(t, err, invalidAt("settings.extra.yy"))
	err = (PartnerSettings{Extra: map[string]any{"x": 1}}).ExtraKnown()
	checkErr(t, err, invalidAt("settings.extra.x"))
}

// TestCredentialRoleAuthorize: the refusal is typed (forbidden,
// ReasonCredentialRole) and carries both roles for the protocol's wording.
func TestCredentialRoleAuthorize(t *testing.T) {
	for _, tt := range []struct {
		cred CredentialRole
		as   Role
		ok   bool
	}{
		{CredentialBoth, RoleStore, true},
		{CredentialBoth, RoleCustomer, true},
		{CredentialStore, RoleStore, true},
		{CredentialStore, RoleCustomer, false},
		{CredentialCustomer, RoleStore, false},
		{"", RoleCustomer, false},
		{"admin", RoleStore, false},
	} {
		err := tt.cred.Authorize(tt.as)
		if tt.ok {
			if err != nil {
				t.Errorf("%q as %s: %v", tt.cred, tt.as, err)
			}
			continue
		}
		e := AsError(err)
		if err == nil || e.Code != CodeForbidden || e.Reason != ReasonCredentialRole ||
			e.Details["credential_role"] != tt.cred || e.Details["role"] != tt.as {
			t.Errorf("%q as %s: %#v", tt.cred, tt.as, err)
		}
	}
	for r, want := range map[Role]CredentialRole{RoleStore: CredentialStore, RoleCustomer: CredentialCustomer, "kitchen": ""} {
		if got := CredentialRoleOf(r); got != want {
			t.Errorf("CredentialRoleOf(%s) = %q, want %q", r, got, want)
		}
	}
}
