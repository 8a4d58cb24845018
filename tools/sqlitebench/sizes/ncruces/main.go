// Command ncruces is a minimal program linking the github.com/ncruces/go-sqlite3/driver driver,
// used to measure build time and binary size.
package main

import (
	_ "github.com/ncruces/go-sqlite3/driver"

	"orderhub/tools/sqlitebench/sizes/probe"
)

func main() { probe.Run("sqlite3") }
