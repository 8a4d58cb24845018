//go:build !modernc && !ncruces && !mattn

package sqlitebench

// Without a driver tag the benchmarks skip themselves.
const driverName = ""

func dsn(path string) string { return path }
