// Command ncruces is a minimal program linking the github.com/ncruces/go-sqlite3/driver driver,
// used to measure build time and binary size.
package main

import (
	"database/sql"
	"fmt"
	"log"

	_ "github.com/ncruces/go-sqlite3/driver"
)

func main() {
	db, err := sql.Open("sqlite3", ":memory:")
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
