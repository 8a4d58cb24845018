// Package sqlitebench compares embedded SQLite drivers for orderhub.
// Select the driver with a build tag: modernc, ncruces or mattn.
// See README.md.
package sqlitebench
