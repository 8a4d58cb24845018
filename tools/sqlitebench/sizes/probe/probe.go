// Package probe is the body the size programs share: open an in-memory
// database with one driver and print its SQLite version. Each program in
// sizes/ links one driver and calls Run, so that their binaries differ by
// the driver alone.
package probe

import (
	"database/sql"
	"fmt"
	"log"
)

// Run opens ":memory:" with the named database/sql driver and prints the
// SQLite version it reports.
func Run(driver string) {
	db, err := sql.Open(driver, ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		log.Fatal(err)
	}
	fmt.Println("sqlite", v)
}
