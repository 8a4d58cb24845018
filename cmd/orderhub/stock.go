package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

func stockUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub stock export [--brand N] [--location CODE|ID] [--file FILE]
  orderhub stock import [--brand N] [--file FILE] [--dry-run]

The CSV has a header and one row per location and product:
  location,product,quantity
  GANGNAM,P001,40
  GANGNAM,P003,
location is the location's code (or id), product its ref id (or SKU or hub
id), quantity a whole number from 0 to 1000000000, or empty for untracked
(unlimited). export writes every stocked product (tracked or not) of
every location, or of --location; import sets every row in one unit of
work: all of them, or, when one row is refused, none (the error names its
line). Combos have no stock of their own and are neither exported nor
importable. --file - (the default) is standard output or input.
--brand may be left out on an install with one brand.
Storage flags (--data, --database-url) as for migrate.
`)
}

// stock is `orderhub stock export|import`.
func stock(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("stock", args, []string{"export", "import"}, stockUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var brand int64
	var location, file string
	var dryRun bool
	fs.Int64Var(&brand, "brand", 0, "brand id (default: the only brand)")
	fs.StringVar(&file, "file", "-", "the CSV file (- for standard output or input)")
	if cmd == "export" {
		fs.StringVar(&location, "location", "", "one location, by code or id (default: all)")
	} else {
		fs.BoolVar(&dryRun, "dry-run", false, "check every row and change nothing")
	}
	pos, ok := sc.parse(args[1:])
	if !ok {
		return 2
	}
	if len(pos) > 0 {
		return fail(2, "unexpected argument %q", pos[0])
	}
	st, ok := sc.open(ctx)
	if !ok {
		return 1
	}
	defer st.Close()
	b, err := brandOf(ctx, st, brand)
	if err != nil {
		return fail(1, "%v", err)
	}
	locs, err := st.ListLocations(ctx, b)
	if err != nil {
		return fail(1, "%v", err)
	}
	findLocation := func(ref string) *hub.Location {
		for i := range locs {
			if locs[i].Code == ref || strconv.FormatInt(locs[i].ID, 10) == ref {
				return &locs[i]
			}
		}
		return nil
	}
	if cmd == "export" {
		var w io.Writer = stdout
		if file != "-" {
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fail(1, "%v", err)
			}
			defer f.Close()
			w = f
		}
		if location != "" {
			l := findLocation(location)
			if l == nil {
				return fail(1, "no location %q in brand %d", location, b)
			}
			locs = []hub.Location{*l}
		}
		if err := exportStock(ctx, st, b, locs, w); err != nil {
			return fail(1, "%v", err)
		}
		return 0
	}
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fail(1, "%v", err)
		}
		defer f.Close()
		r = f
	}
	levels, err := readStock(ctx, st, b, findLocation, r)
	if err != nil {
		return fail(1, "%v", err)
	}
	if dryRun {
		fmt.Fprintf(stdout, "%d rows checked; nothing changed (--dry-run)\n", len(levels))
		return 0
	}
	svc := service.New(st)
	if err := svc.SetStocks(ctx, b, levels); err != nil {
		e := hub.AsError(err)
		if i, ok := levelIndex(e.Field); ok {
			return fail(1, "line %d: %s", i+2, hub.PublicMessage(e)) // line 1 is the header
		}
		return fail(1, "%s", describe(err))
	}
	fmt.Fprintf(stdout, "set %d stock levels\n", len(levels))
	return 0
}

// levelIndex reads the level a SetStocks error names ("levels[3].…").
func levelIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "levels[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	return i, ok && err == nil
}

func exportStock(ctx context.Context, st store.Reader, brandID int64, locs []hub.Location, w io.Writer) error {
	products, err := st.ListProducts(ctx, store.ProductFilter{BrandID: brandID})
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"location", "product", "quantity"})
	for _, l := range locs {
		levels, err := st.ListStock(ctx, l.ID)
		if err != nil {
			return err
		}
		for _, p := range products {
			// Every product that deducts stock, and every stock row that
			// exists (a product that does not deduct may still have one,
			// set by an import): what an import sets, an export lists.
			v, has := levels[p.ID]
			if p.Type == hub.ProductCombo || (!p.DeductStock && !has) {
				continue
			}
			ref := p.RefID
			if ref == "" {
				ref = strconv.FormatInt(p.ID, 10)
			}
			q := ""
			if has {
				q = strconv.FormatInt(v, 10)
			}
			cw.Write([]string{l.Code, ref, q})
		}
	}
	cw.Flush()
	return cw.Error()
}

// readStock reads and checks every row (the location and product exist,
// the quantity is a number in range) before anything is set.
func readStock(ctx context.Context, st store.Reader, brandID int64, findLocation func(string) *hub.Location, r io.Reader) ([]service.StockLevel, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %v (want the header location,product,quantity)", err)
	}
	if strings.Join(head, ",") != "location,product,quantity" {
		return nil, fmt.Errorf("line 1: the header must be location,product,quantity, not %q", strings.Join(head, ","))
	}
	var out []service.StockLevel
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // csv errors name their line
		}
		if len(out) >= 100000 {
			return nil, fmt.Errorf("line %d: at most 100000 rows per import", line)
		}
		l := findLocation(strings.TrimSpace(rec[0]))
		if l == nil {
			return nil, fmt.Errorf("line %d: no location %q", line, rec[0])
		}
		p, err := st.FindProduct(ctx, brandID, strings.TrimSpace(rec[1]))
		if err != nil {
			return nil, fmt.Errorf("line %d: product %q: %v", line, rec[1], hub.PublicMessage(err))
		}
		lv := service.StockLevel{LocationID: l.ID, ProductID: p.ID}
		if q := strings.TrimSpace(rec[2]); q != "" {
			n, err := strconv.ParseInt(q, 10, 64)
			if err != nil || n < 0 || n > hub.MaxStock {
				return nil, fmt.Errorf("line %d: quantity %q must be a whole number from 0 to %d, or empty (untracked)", line, q, hub.MaxStock)
			}
			lv.Quantity = &n
		}
		if p.Type == hub.ProductCombo {
			return nil, fmt.Errorf("line %d: %s is a combo: its stock is its items'", line, rec[1])
		}
		out = append(out, lv)
	}
	return out, nil
}
