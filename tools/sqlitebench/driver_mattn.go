//go:build mattn

package sqlitebench

import _ "github.com/mattn/go-sqlite3" // registers "sqlite3"; needs CGO_ENABLED=1

const driverName = "sqlite3"

func dsn(path string) string {
	return "file:" + path + "?_busy_timeout=5000&_journal_mode=WAL" +
		"&_synchronous=FULL&_foreign_keys=1"
}
