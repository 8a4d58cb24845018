package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"orderhub/internal/service"
)

func tokenUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub token create [--brand N] [--label TEXT] [--output table|json]
  orderhub token list [--brand N] [--output table|json]
  orderhub token revoke <id>

create issues a native API token (Authorization: Bearer ...) for /hub/v1
and prints it once; only its hash is stored. Without --brand it is an
operator token for every brand; with --brand it sees and changes that brand
only. list shows the tokens (never the tokens themselves), revoked ones
included: every brand's, or with --brand that brand's. revoke revokes one;
the last live operator token is refused (create another first).
Storage flags (--data, --database-url) as for migrate.
`)
}

// token is `orderhub token create|list|revoke`: the way to a first
// /hub/v1 token on a database that was not started with --demo, and to the
// tokens without the API.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("token", args, []string{"create", "list", "revoke"}, tokenUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var brand int64
	var label string
	switch cmd {
	case "create":
		fs.Int64Var(&brand, "brand", 0, "brand id (0 = operator token for every brand)")
		fs.StringVar(&label, "label", "cli", "what the token is for (stored with it)")
		sc.listing()
	case "list":
		fs.Int64Var(&brand, "brand", 0, "brand id (0 = every brand's tokens)")
		sc.listing()
	}
	// Flags may come before or after revoke's token id. What the flags
	// refuse is told as the group's (orderhub token: …), and --log-format
	// is not read.
	pos, ok := parseStorage(fs, args[1:], &sc.output, "token", stderr)
	if !ok {
		return 2
	}
	output := sc.output
	var id int64
	if cmd == "revoke" {
		if len(pos) != 1 {
			tokenUsage(stderr)
			return 2
		}
		if id, ok = idArg(pos[0]); !ok {
			return fail(2, "%q is not a token id", pos[0])
		}
	} else if len(pos) > 0 || brand < 0 {
		tokenUsage(stderr)
		return 2
	}
	st, ok := openFor(ctx, &sc.c, "token", stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	svc := service.New(st)
	switch cmd {
	case "create":
		tok, err := svc.IssueHubToken(ctx, brand, label)
		if err != nil {
			return fail(1, "%v", err)
		}
		if output == "json" {
			emit(stdout, output, tok, nil)
			break
		}
		fmt.Fprintln(stdout, tok.Token)
	case "list":
		ts, err := svc.ListHubTokens(ctx, brand)
		if err != nil {
			return fail(1, "%v", err)
		}
		printHubTokens(stdout, output, ts)
	case "revoke":
		// The command line acts as an operator.
		if err := svc.RevokeHubToken(ctx, 0, id); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "revoked token %d\n", id)
	}
	return 0
}

func printHubTokens(w io.Writer, format string, ts []service.HubToken) error {
	t := &table{header: []string{"ID", "BRAND", "LABEL", "HINT", "CREATED", "REVOKED"}, empty: "(no tokens)"}
	for _, tk := range ts {
		brand, revoked := "operator", "-"
		if tk.BrandID != 0 {
			brand = strconv.FormatInt(tk.BrandID, 10)
		}
		if tk.RevokedAt != nil {
			revoked = tk.RevokedAt.Format(time.RFC3339)
		}
		t.add(strconv.FormatInt(tk.ID, 10), brand, strconv.Quote(tk.Label), tk.Hint, tk.CreatedAt.Format(time.RFC3339), revoked)
	}
	if ts == nil {
		ts = []service.HubToken{}
	}
	return emit(w, format, ts, t)
}
