package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/server"
	"orderhub/internal/service"
)

func partnerUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub partner list [--brand N] [--output table|json]
  orderhub partner create --protocol P [--name TEXT] [--locations 1,2] [--settings JSON] [--brand N] [--output table|json]
  orderhub partner rotate <partner id> [--callback-secret] [--output table|json]
  orderhub partner revoke <partner id> --credential N

create stores a partner of protocol P (kakao, omni, junglebook, zeek,
tableorder) and prints its first credential, and its callback secret when
its protocol is called back, once: only hashes are stored. --settings is
the partner's settings as /hub/v1 takes them ({"callback_url": "...",
"extra": {...}}), checked by the protocol; URLs on loopback or private
addresses are refused unless --allow-private-targets. rotate issues a new credential
(the old ones keep working until revoked: move the client over first), or
with --callback-secret a new callback secret (the old one signs too for
24 h). revoke revokes one credential and the access tokens issued with it.
--brand may be left out on an install with one brand.
Storage flags (--data, --database-url) as for migrate.
`)
}

// partner is `orderhub partner list|create|rotate|revoke`.
func partner(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("partner", args, []string{"list", "create", "rotate", "revoke"}, partnerUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var brand, credential int64
	var protocol, name, locations, settings string
	var callbackSecret, allowPrivate bool
	switch cmd {
	case "list":
		fs.Int64Var(&brand, "brand", 0, "brand id (default: the only brand)")
		sc.listing()
	case "create":
		fs.Int64Var(&brand, "brand", 0, "brand id (default: the only brand)")
		fs.StringVar(&protocol, "protocol", "", "the partner's protocol")
		fs.StringVar(&name, "name", "", "a name for people (default: the protocol)")
		fs.StringVar(&locations, "locations", "", "location ids the partner may use, comma separated (default: all)")
		fs.StringVar(&settings, "settings", "", "settings as JSON")
		fs.BoolVar(&allowPrivate, "allow-private-targets", false, "accept callback, provider and bot URLs on loopback or private addresses (as serve --allow-private-targets)")
		sc.listing()
	case "rotate":
		fs.BoolVar(&callbackSecret, "callback-secret", false, "rotate the callback secret instead of issuing a credential")
		sc.listing()
	case "revoke":
		fs.Int64Var(&credential, "credential", 0, "the credential id to revoke (see the API's GET /hub/v1/partners/{id}/credentials)")
	}
	pos, ok := sc.parse(args[1:])
	if !ok {
		return 2
	}
	output := sc.output
	var err error
	var id int64
	switch cmd {
	case "list", "create":
		if len(pos) > 0 {
			return fail(2, "unexpected argument %q", pos[0])
		}
	default:
		if len(pos) != 1 {
			partnerUsage(stderr)
			return 2
		}
		if id, ok = idArg(pos[0]); !ok {
			return fail(2, "%q is not a partner id", pos[0])
		}
		if cmd == "revoke" && credential <= 0 {
			return fail(2, "--credential N is required")
		}
	}
	p := &hub.Partner{Protocol: hub.Channel(strings.TrimSpace(protocol)), Name: name}
	if cmd == "create" {
		if p.Protocol == "" {
			return fail(2, "--protocol is required")
		}
		if p.Name == "" {
			p.Name = string(p.Protocol)
		}
		for _, f := range strings.Split(locations, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			lid, err := strconv.ParseInt(f, 10, 64)
			if err != nil || lid <= 0 {
				return fail(2, "--locations: %q is not a location id", f)
			}
			p.LocationIDs = append(p.LocationIDs, lid)
		}
		if settings != "" {
			dec := json.NewDecoder(strings.NewReader(settings))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p.Settings); err != nil {
				return fail(2, "--settings: %v", err)
			}
		}
	}

	st, ok := sc.open(ctx)
	if !ok {
		return 1
	}
	defer st.Close()
	svc := service.New(st, server.Protocols().Option(), service.WithOutbound(netguard.Policy{AllowPrivate: allowPrivate}))
	switch cmd {
	case "list":
		b, err := brandOf(ctx, st, brand)
		if err != nil {
			return fail(1, "%v", err)
		}
		ps, err := st.ListPartners(ctx, b)
		if err != nil {
			return fail(1, "%v", err)
		}
		t := &table{header: []string{"ID", "PROTOCOL", "NAME", "LOCATIONS", "DISABLED", "CREATED"}, empty: "(no partners)"}
		for _, p := range ps {
			locs := "all"
			if len(p.LocationIDs) > 0 {
				locs = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(p.LocationIDs)), ","), "[]")
			}
			t.add(strconv.FormatInt(p.ID, 10), string(p.Protocol), p.Name, locs, strconv.FormatBool(p.Disabled), p.CreatedAt.Format(time.RFC3339))
		}
		if ps == nil {
			ps = []hub.Partner{}
		}
		emit(stdout, output, ps, t)
	case "create":
		if p.BrandID, err = brandOf(ctx, st, brand); err != nil {
			return fail(1, "%v", err)
		}
		cred, secret, err := svc.CreatePartner(ctx, p)
		if err != nil {
			return fail(1, "%v", describe(err))
		}
		printIssued(stdout, output, p, cred, secret)
	case "rotate":
		p, err := st.GetPartner(ctx, id)
		if err != nil {
			return fail(1, "%v", err)
		}
		if callbackSecret {
			secret, until, err := svc.RotateCallbackSecret(ctx, id)
			if err != nil {
				return fail(1, "%v", err)
			}
			if output == "json" {
				emit(stdout, output, map[string]any{"partner_id": id, "callback_secret": secret, "previous_valid_until": until}, nil)
				return 0
			}
			fmt.Fprintf(stdout, "partner %d: new callback secret (shown once): %s\n", id, secret)
			if until != nil {
				fmt.Fprintf(stdout, "the previous secret signs too until %s\n", until.Format(time.RFC3339))
			}
			return 0
		}
		cred, err := svc.IssueCredential(ctx, id)
		if err != nil {
			return fail(1, "%v", err)
		}
		printIssued(stdout, output, p, cred, "")
		if output != "json" {
			fmt.Fprintln(stdout, "the partner's other credentials keep working: revoke them once the client uses this one")
		}
	case "revoke":
		if err := svc.RevokeCredential(ctx, id, credential); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "revoked credential %d of partner %d\n", credential, id)
	}
	return 0
}

// describe renders a refused change with the field it names.
func describe(err error) string {
	e := hub.AsError(err)
	if e.Field != "" {
		return e.Field + ": " + hub.PublicMessage(e)
	}
	return hub.PublicMessage(e)
}

func printIssued(w io.Writer, format string, p *hub.Partner, cred *service.IssuedCredential, callbackSecret string) {
	if format == "json" {
		out := map[string]any{"partner": p, "credential": cred}
		if callbackSecret != "" {
			out["callback_secret"] = callbackSecret
		}
		emit(w, format, out, nil)
		return
	}
	fmt.Fprintf(w, "partner %d (%s, %s); shown once, keep it now:\n", p.ID, p.Protocol, p.Name)
	fmt.Fprintf(w, "  credential %d\n", cred.ID)
	if cred.APIKey != "" {
		fmt.Fprintf(w, "  api key        %s\n", cred.APIKey)
	}
	if cred.ClientID != "" {
		fmt.Fprintf(w, "  client id      %s\n  client secret  %s\n", cred.ClientID, cred.ClientSecret)
	}
	if callbackSecret != "" {
		fmt.Fprintf(w, "  callback secret %s\n", callbackSecret)
	}
}
