package hub

import "testing"

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
		{"protocol unknown", func(p *Partner) { p.Protocol = "toss" }, invalidAt("protocol")},
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

func TestPartnerRole(t *testing.T) {
	tests := []struct {
		protocol Channel
		want     Role
	}{
		{ChannelOmni, RoleStore},     // the store POS
		{ChannelHub, RoleStore},      // dashboard and native API
		{ChannelZeek, RoleStore},     // the platform's POS reports pickups
		{ChannelKakao, RoleCustomer}, // chatbot
		{ChannelJunglebook, RoleCustomer},
		{ChannelTableOrder, RoleCustomer},
	}
	for _, tt := range tests {
		p := Partner{Protocol: tt.protocol}
		if got := p.Role(); got != tt.want {
			t.Errorf("%s: Role() = %q, want %q", tt.protocol, got, tt.want)
		}
	}
	for _, c := range Channels {
		if !ValidChannel(c) {
			t.Errorf("ValidChannel(%q) = false", c)
		}
	}
	if ValidChannel("KAKAO") || ValidChannel("") {
		t.Errorf("ValidChannel accepts unknown channels")
	}
}
