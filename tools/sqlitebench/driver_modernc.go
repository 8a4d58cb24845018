//go:build modernc

package sqlitebench

import _ "modernc.org/sqlite" // registers "sqlite"

const driverName = "sqlite"

// dsn opens path with the per-connection PRAGMAs applied to every
// connection the pool creates.
func dsn(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
}
