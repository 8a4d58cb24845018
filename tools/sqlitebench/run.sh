#!/usr/bin/env bash
# Runs the benchmarks for all three drivers, interleaved round by round so
# that background load on the machine hits every driver alike.
# Usage: ./run.sh [rounds] [benchtime]   (defaults: 3 rounds, 2s); each round
# is one -count 1 run per driver, appended to results/DRIVER.txt.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
benchtime=${2:-2s}
mkdir -p results
# Results are appended: rm -rf results/ to start afresh.
for r in $(seq "$rounds"); do
	for d in modernc ncruces mattn; do
		echo "round $r: $d" >&2
		CGO_ENABLED=1 go test -run '^$' -bench . -benchmem \
			-benchtime "$benchtime" -count 1 -tags "$d" . >>"results/$d.txt"
	done
done
benchstat=$(go env GOPATH)/bin/benchstat
if [ -x "$benchstat" ]; then
	"$benchstat" results/modernc.txt results/ncruces.txt results/mattn.txt | tee results/benchstat.txt
fi
