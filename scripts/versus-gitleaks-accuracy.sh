#!/usr/bin/env bash
# Compares the detection engine with gitleaks' release build on the
# independent evaluation corpus (scanners/evaluation), in one run: generates
# the corpus, scans it with `ccsync scan --jsonl` and, one file per message,
# with `gitleaks dir` (default config), then scores both with the same
# scorer and prints the secret rows side by side.
#
# gitleaks v8.30.1 is built as its releases are built (the RE2 engine, tag
# gore2regex) into a temporary directory, outside this repository, unless
# CCSYNC_GITLEAKS names a binary. SEED and N choose the corpus (defaults: the
# generator's); MISSES=1 adds gitleaks' misses and false positives.
set -euo pipefail
version=${GITLEAKS_VERSION:-v8.30.1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gitleaks=${CCSYNC_GITLEAKS:-}
if [ -z "$gitleaks" ]; then
	GOBIN="$tmp" GOFLAGS= go install -tags gore2regex -ldflags "-s -w" "github.com/zricethezav/gitleaks/v8@$version"
	gitleaks="$tmp/gitleaks"
fi
cd "$(dirname "$0")/.."
go build -o "$tmp/gencorpus" ./scanners/evaluation/cmd/gencorpus
go build -o "$tmp/ccsync" ./cmd/ccsync
corpus=()
[ -n "${SEED:-}" ] && corpus+=(-seed "$SEED")
[ -n "${N:-}" ] && corpus+=(-n "$N")
"$tmp/gencorpus" "${corpus[@]}" >"$tmp/corpus.jsonl"
"$tmp/gencorpus" "${corpus[@]}" -files "$tmp/msgs"
"$tmp/ccsync" scan --jsonl "$tmp/corpus.jsonl" >"$tmp/ccsync.jsonl"
"$gitleaks" dir "$tmp/msgs" --no-banner --exit-code 0 --log-level warn \
	--report-format json --report-path "$tmp/gitleaks.json"
built=$version
[ -n "${CCSYNC_GITLEAKS:-}" ] && built="$CCSYNC_GITLEAKS, which says: $("$gitleaks" version)"
echo "gitleaks $built; default config, dir mode, one file per message"
echo "ccsync $(git describe --always --dirty)"
echo
"$tmp/gencorpus" "${corpus[@]}" -score "$tmp/ccsync.jsonl" -score-gitleaks "$tmp/gitleaks.json" \
	$([ -n "${MISSES:-}" ] && echo -misses)
