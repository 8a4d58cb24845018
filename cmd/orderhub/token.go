package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"orderhub/internal/service"
)

func tokenUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub token create [--brand N] [--label TEXT]

Issues a native API token (Authorization: Bearer ...) for /hub/v1 and
prints it once; only its hash is stored. Without --brand it is an operator
token for every brand; with --brand it sees and changes that brand only.
Storage flags (--data, --database-url) as for migrate.
`)
}

// token is `orderhub token create`: the way to a first /hub/v1 token on a
// database that was not started with --demo.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		tokenUsage(stderr)
		return 2
	}
	var c config
	var brand int64
	var label string
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { tokenUsage(stderr); fs.PrintDefaults() }
	storageFlags(fs, &c)
	fs.Int64Var(&brand, "brand", 0, "brand id (0 = operator token for every brand)")
	fs.StringVar(&label, "label", "cli", "what the token is for (stored with it)")
	if err := applyEnv(fs, storageFlagNames...); err != nil {
		fmt.Fprintln(stderr, "orderhub token:", err)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 || brand < 0 {
		tokenUsage(stderr)
		return 2
	}
	st, err := openStore(ctx, &c)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub token: open database:", err)
		return 1
	}
	defer st.Close()
	tok, err := service.New(st).CreateHubToken(ctx, brand, label)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub token create:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
