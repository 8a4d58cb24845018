package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"orderhub/internal/store"
)

// Listings print a table for people or JSON for scripts (--output json):
// the JSON is the list itself, an array of objects in the shapes /hub/v1
// answers, so `orderhub … --output json | jq` reads like the API.

// outputFlag adds --output to a listing command.
func outputFlag(fs *flag.FlagSet, v *string) {
	fs.StringVar(v, "output", "table", "table or json")
}

func checkOutput(v string) error {
	if v != "table" && v != "json" {
		return fmt.Errorf("--output must be table or json, not %q", v)
	}
	return nil
}

// table is a listing for people: a header and rows of cells.
type table struct {
	header []string
	rows   [][]string
	// empty is printed instead of a table without rows.
	empty string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// emit prints data as JSON, or t as a table.
func emit(w io.Writer, format string, data any, t *table) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	if len(t.rows) == 0 && t.empty != "" {
		_, err := fmt.Fprintln(w, t.empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// brandOf is the brand a command acts on: --brand, or the only brand when
// there is one (an install with several asks for --brand).
func brandOf(ctx context.Context, st store.Reader, flag int64) (int64, error) {
	if flag > 0 {
		if _, err := st.GetBrand(ctx, flag); err != nil {
			return 0, fmt.Errorf("brand %d: %w", flag, err)
		}
		return flag, nil
	}
	bs, err := st.ListBrands(ctx)
	if err != nil {
		return 0, err
	}
	switch len(bs) {
	case 0:
		return 0, fmt.Errorf("there is no brand yet (create one with POST /hub/v1/brands, or serve --demo)")
	case 1:
		return bs[0].ID, nil
	}
	return 0, fmt.Errorf("there are %d brands: give --brand", len(bs))
}

// subcommand is one `orderhub <group> <sub> …` call: its flag set (with
// the storage flags, and --output for listings), parsed with the
// positional arguments anywhere among the flags, and its failures printed
// as "orderhub <group> <sub>: why".
type subcommand struct {
	name   string
	fs     *flag.FlagSet
	c      config
	output string
	stderr io.Writer
}

// newSubcommand checks args[0] against subs; on anything else it prints
// the usage and returns nil (exit 2).
func newSubcommand(group string, args []string, subs []string, usage func(io.Writer), stderr io.Writer) *subcommand {
	if len(args) == 0 || !slices.Contains(subs, args[0]) {
		usage(stderr)
		return nil
	}
	s := &subcommand{name: group + " " + args[0], output: "table", stderr: stderr}
	s.fs = flag.NewFlagSet(s.name, flag.ContinueOnError)
	s.fs.SetOutput(stderr)
	s.fs.Usage = func() { usage(stderr); s.fs.PrintDefaults() }
	storageFlags(s.fs, &s.c)
	return s
}

// listing adds --output.
func (s *subcommand) listing() { outputFlag(s.fs, &s.output) }

// parse reads the ORDERHUB_ storage variables and the flags, and returns
// the positional arguments; ok is false when it printed why not.
func (s *subcommand) parse(args []string) (pos []string, ok bool) {
	if pos, ok = parseStorage(s.fs, args, &s.output, s.name, s.stderr); !ok {
		return nil, false
	}
	if s.c.LogFormat != "text" && s.c.LogFormat != "json" {
		s.fail(2, "--log-format must be text or json")
		return nil, false
	}
	return pos, true
}

// parseStorage reads the ORDERHUB_ variables of the storage flags only,
// then the flags of fs, which may come before or after the positional
// arguments it returns, and checks *output (--output, once parsed). ok is
// false once it has printed why not (`orderhub who: …`, or fs's own
// message).
func parseStorage(fs *flag.FlagSet, args []string, output *string, who string, stderr io.Writer) (pos []string, ok bool) {
	if err := applyEnv(fs, storageFlagNames...); err != nil {
		fmt.Fprintf(stderr, "orderhub %s: %v\n", who, err)
		return nil, false
	}
	pos, err := parseMixed(fs, args)
	if err != nil {
		return nil, false
	}
	if err := checkOutput(*output); err != nil {
		fmt.Fprintf(stderr, "orderhub %s: %v\n", who, err)
		return nil, false
	}
	return pos, true
}

// idArg parses a positional id: a positive integer.
func idArg(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// openFor opens the store (openStore) for the command who; ok is false
// once it has printed why not (`orderhub who: open database: …`, exit 1).
func openFor(ctx context.Context, c *config, who string, stderr io.Writer) (st store.Store, ok bool) {
	st, err := openStore(ctx, c)
	if err != nil {
		fmt.Fprintf(stderr, "orderhub %s: open database: %v\n", who, err)
		return nil, false
	}
	return st, true
}

// open opens the store (openFor).
func (s *subcommand) open(ctx context.Context) (store.Store, bool) {
	return openFor(ctx, &s.c, s.name, s.stderr)
}

// fail prints why the command failed and returns its exit code.
func (s *subcommand) fail(code int, format string, a ...any) int {
	fmt.Fprintf(s.stderr, "orderhub %s: %s\n", s.name, fmt.Sprintf(format, a...))
	return code
}
