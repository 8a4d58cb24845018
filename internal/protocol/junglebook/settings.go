package junglebook

import (
	"strconv"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/service"
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
	// (an integer, or a string of digits) of at most hub.MaxFee, so that an
	// order's total can hold it. Default 0.
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

// keys are the protocol's extra settings; any other key is refused.
var keys = []string{KeyDeliveryFee, KeyFreeDeliveryFrom, KeyLocationID, KeyBankAccount, KeyLogisticsCenter}

// settings are a partner's Junglebook knobs, typed.
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

// parseSettings reads the partner's settings. It is the check the service
// runs when the partner is saved (checkSettings), so at order time it
// fails only for settings stored before that check existed.
func parseSettings(ps hub.PartnerSettings) (settings, error) {
	s := settings{BankAccount: "1"}
	var err error
	if s.DeliveryFee, err = ps.ExtraAmountUpTo(KeyDeliveryFee, hub.MaxFee); err != nil {
		return s, err
	}
	if s.FreeDeliveryFrom, err = ps.ExtraAmount(KeyFreeDeliveryFrom); err != nil {
		return s, err
	}
	if s.LocationID, err = ps.ExtraAmount(KeyLocationID); err != nil {
		return s, err
	}
	switch v := ps.Extra[KeyBankAccount].(type) {
	case nil:
	case string:
		s.BankAccount = strings.TrimSpace(v)
	default:
		// A number is its digits (an account number written as one).
		n, err := ps.ExtraAmount(KeyBankAccount)
		if err != nil {
			return s, hub.Invalid(hub.ExtraField(KeyBankAccount), "must be a string or a non-negative integer")
		}
		s.BankAccount = strconv.FormatInt(n, 10)
	}
	var r receiver
	found, err := ps.ExtraObject(KeyLogisticsCenter, &r)
	if err != nil {
		return s, err
	}
	if found {
		r.Name, r.ZipCode = strings.TrimSpace(r.Name), strings.TrimSpace(r.ZipCode)
		r.Address, r.Address2, r.Phone = strings.TrimSpace(r.Address), strings.TrimSpace(r.Address2), strings.TrimSpace(r.Phone)
		if r.Name == "" || r.ZipCode == "" || r.Address == "" {
			return s, hub.Invalid(hub.ExtraField(KeyLogisticsCenter), "needs name, zip_code and address")
		}
		s.Logistics = &r
	}
	return s, nil
}

// checkSettings is Protocol.Settings: only the protocol's keys, each
// readable, and a location_id the partner may order for.
func checkSettings(sc service.PartnerScope) error {
	if err := sc.Partner.Settings.ExtraKnown(keys...); err != nil {
		return err
	}
	s, err := parseSettings(sc.Partner.Settings)
	if err != nil {
		return err
	}
	if s.LocationID != 0 && !sc.Reaches(s.LocationID) {
		return hub.Invalid(hub.ExtraField(KeyLocationID), "location %d is not a location of brand %d that this partner may act on", s.LocationID, sc.Brand.ID)
	}
	return nil
}
