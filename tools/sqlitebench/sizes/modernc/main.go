// Command modernc is a minimal program linking the modernc.org/sqlite driver,
// used to measure build time and binary size.
package main

import (
	_ "modernc.org/sqlite"

	"orderhub/tools/sqlitebench/sizes/probe"
)

func main() { probe.Run("sqlite") }
