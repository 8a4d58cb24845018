// Command mattn is a minimal program linking the github.com/mattn/go-sqlite3 driver,
// used to measure build time and binary size.
package main

import (
	_ "github.com/mattn/go-sqlite3"

	"orderhub/tools/sqlitebench/sizes/probe"
)

func main() { probe.Run("sqlite3") }
