package kakao

import (
	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// SettingRole is the partner setting (Settings.Extra) that limits a kakao
// key to one side of the seed: "bot" keys act only as the customer (the
// BOT → POS endpoints), "pos" keys only as the store (the POS progress
// endpoints); absent or "both", a key may call all of them (one partner
// serving both sides, as in the demo). Any other value is a 400 when the
// partner is saved.
const SettingRole = "kakao_role"

// The values of SettingRole.
const (
	RoleBot  = "bot"
	RolePOS  = "pos"
	RoleBoth = "both"
)

// roles maps SettingRole's values onto hub's credential roles.
var roles = map[string]hub.CredentialRole{RoleBot: hub.CredentialCustomer, RolePOS: hub.CredentialStore, RoleBoth: hub.CredentialBoth}

// sides names the endpoints of each role: the bot's act as the customer,
// the POS's as the store.
var sides = map[hub.Role]string{hub.RoleCustomer: RoleBot, hub.RoleStore: RolePOS}

// roleName is the wire name of a credential role ("bot" for the customer's
// side).
func roleName(r hub.CredentialRole) string {
	for name, v := range roles {
		if v == r {
			return name
		}
	}
	return string(r)
}

// Settings are a kakao partner's own settings, typed.
type Settings struct {
	// Role is what its keys may act as (SettingRole; hub.CredentialBoth
	// when unset).
	Role hub.CredentialRole
}

// ParseSettings reads a partner's kakao settings; the error names the
// field.
func ParseSettings(s hub.PartnerSettings) (Settings, error) {
	v, ok := s.Extra[SettingRole]
	if !ok || v == nil {
		return Settings{Role: hub.CredentialBoth}, nil
	}
	name, _ := v.(string)
	r, ok := roles[name]
	if !ok {
		return Settings{}, hub.Invalid(hub.ExtraField(SettingRole), "must be %s, %s or %s", RoleBot, RolePOS, RoleBoth)
	}
	return Settings{Role: r}, nil
}

// credentialRole is Protocol.CredentialRole: the role kakao_role gives a
// key; the service decides what it may call (service.ActAs).
func credentialRole(s hub.PartnerSettings) (hub.CredentialRole, error) {
	set, err := ParseSettings(s)
	return set.Role, err
}

// roleRefusal words the service's ReasonCredentialRole refusal as the seed's
// sides: "this key is a bot key and may not call pos endpoints"; a role
// stored before settings were checked is named as the setting.
func roleRefusal(e *hub.Error) string {
	cred, _ := e.Details["credential_role"].(hub.CredentialRole)
	side, _ := e.Details["role"].(hub.Role)
	if !cred.Valid() {
		return "this key's " + SettingRole + " is not " + RoleBot + ", " + RolePOS + " or " + RoleBoth
	}
	return "this key is a " + roleName(cred) + " key and may not call " + sides[side] + " endpoints"
}

// checkSettings is Protocol.Settings: the one extra key, well-formed.
func checkSettings(sc service.PartnerScope) error {
	if err := sc.Partner.Settings.ExtraKnown(SettingRole); err != nil {
		return err
	}
	_, err := ParseSettings(sc.Partner.Settings)
	return err
}
