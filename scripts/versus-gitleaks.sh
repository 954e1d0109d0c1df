#!/usr/bin/env bash
# Measures the detection engine against gitleaks' release build in one run:
# builds gitleaks v8.30.1 as its releases are built (the RE2 engine, tag
# gore2regex) into a temporary directory, outside this repository, then runs
# BenchmarkVersusGitleaks, which scans the same 50 MB of chat text with both.
set -euo pipefail
version=${GITLEAKS_VERSION:-v8.30.1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS= go install -tags gore2regex -ldflags "-s -w" "github.com/zricethezav/gitleaks/v8@$version"
cd "$(dirname "$0")/.."
CCSYNC_GITLEAKS="$tmp/gitleaks" go test ./scanners -run '^$' -bench BenchmarkVersusGitleaks -benchtime "${BENCHTIME:-3x}" -timeout 30m
