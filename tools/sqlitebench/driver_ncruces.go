//go:build ncruces

package sqlitebench

// In v0.37+ the SQLite build is linked in by the driver package itself;
// github.com/ncruces/go-sqlite3/embed is deprecated (empty, prints a
// warning at init), so it is not imported.
import _ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"

const driverName = "sqlite3"

func dsn(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
}
