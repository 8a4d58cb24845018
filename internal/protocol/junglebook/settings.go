package junglebook

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"orderhub/internal/hub"
)

// Keys of hub.PartnerSettings.Extra that a Junglebook partner reads. Set
// them with PATCH /hub/v1/partners/{id}, e.g.
//
//	{"settings": {"extra": {
//	    "delivery_fee": 2500,
//	    "free_delivery_from": 30000,
//	    "location_id": 1,
//	    "bank_account": "1",
//	    "logistics_center": {"name": "정글북 물류센터", "zip_code": "18523",
//	        "address": "경기도 화성시 팔탄면 버들로 1362번길 10-12", "address2": "B동",
//	        "phone": "031-000-0000"}}}}
const (
	// KeyDeliveryFee is the delivery fee of every order, in minor units
	// (an integer, or a string of digits). Default 0.
	KeyDeliveryFee = "delivery_fee"
	// KeyFreeDeliveryFrom waives the fee when the goods total reaches it
	// (minor units). 0 or absent: never.
	KeyFreeDeliveryFrom = "free_delivery_from"
	// KeyLocationID is the location the partner's orders go to. Default:
	// the partner's first location, or the brand's first when the partner
	// may act on all of them.
	KeyLocationID = "location_id"
	// KeyBankAccount is payResult.bankAccount of goods errors. Default "1".
	KeyBankAccount = "bank_account"
	// KeyLogisticsCenter is the receiver of oaType "opo" orders: an object
	// with name, zip_code, address, address2 and optionally phone.
	KeyLogisticsCenter = "logistics_center"
)

// settings are a partner's Junglebook knobs.
type settings struct {
	DeliveryFee      int64
	FreeDeliveryFrom int64
	LocationID       int64
	BankAccount      string
	// Logistics is the "opo" receiver; nil when not configured.
	Logistics *receiver
}

// receiver is who gets the goods.
type receiver struct {
	Name     string `json:"name"`
	ZipCode  string `json:"zip_code"`
	Address  string `json:"address"`
	Address2 string `json:"address2"`
	Phone    string `json:"phone"`
}

// settingsOf reads the partner's settings; a malformed value is an
// operator's mistake, reported as an internal error naming the key.
func settingsOf(p *hub.Partner) (settings, error) {
	s := settings{BankAccount: "1"}
	x := p.Settings.Extra
	var err error
	if s.DeliveryFee, err = amountSetting(x, KeyDeliveryFee); err != nil {
		return s, err
	}
	if s.FreeDeliveryFrom, err = amountSetting(x, KeyFreeDeliveryFrom); err != nil {
		return s, err
	}
	if s.LocationID, err = amountSetting(x, KeyLocationID); err != nil {
		return s, err
	}
	if v, ok := x[KeyBankAccount]; ok && v != nil {
		s.BankAccount = strings.TrimSpace(fmt.Sprint(v))
	}
	if v, ok := x[KeyLogisticsCenter]; ok && v != nil {
		b, err := json.Marshal(v)
		var r receiver
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil {
			return s, fmt.Errorf("partner %d: settings.extra.%s must be an object with name, zip_code, address, address2", p.ID, KeyLogisticsCenter)
		}
		r.Name, r.ZipCode = strings.TrimSpace(r.Name), strings.TrimSpace(r.ZipCode)
		r.Address, r.Address2, r.Phone = strings.TrimSpace(r.Address), strings.TrimSpace(r.Address2), strings.TrimSpace(r.Phone)
		if r.Name == "" || r.ZipCode == "" || r.Address == "" {
			return s, fmt.Errorf("partner %d: settings.extra.%s needs name, zip_code and address", p.ID, KeyLogisticsCenter)
		}
		s.Logistics = &r
	}
	return s, nil
}

// amountSetting reads a non-negative integer setting (JSON documents give
// float64; Go callers ints; operators may write digit strings).
func amountSetting(x map[string]any, key string) (int64, error) {
	v, ok := x[key]
	if !ok || v == nil {
		return 0, nil
	}
	var n int64
	switch t := v.(type) {
	case float64:
		if t < 0 || t != math.Trunc(t) || t > float64(hub.MaxAmount) {
			return 0, fmt.Errorf("settings.extra.%s must be a non-negative integer", key)
		}
		n = int64(t)
	case int:
		n = int64(t)
	case int64:
		n = t
	case json.Number:
		var err error
		if n, err = t.Int64(); err != nil {
			return 0, fmt.Errorf("settings.extra.%s must be a non-negative integer", key)
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(t), 10, 64); err != nil {
			return 0, fmt.Errorf("settings.extra.%s must be a non-negative integer", key)
		}
	default:
		return 0, fmt.Errorf("settings.extra.%s must be a non-negative integer", key)
	}
	if n < 0 || n > hub.MaxAmount {
		return 0, fmt.Errorf("settings.extra.%s must be a non-negative integer", key)
	}
	return n, nil
}
