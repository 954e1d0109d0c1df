#!/bin/bash
# Times issue 12's expensive queries (item 4) against a running ccsync on
# :18181 started as in argon-flood.py, after scripts/wait-demo-sync.sh.
set -u
B=http://127.0.0.1:18181
H=(-H "Content-Type: application/json" -H "Origin: $B")
curl -s -c "${TMPDIR:-/tmp}/ccsync-ck.txt" "${H[@]}" -d '{"name":"admin","password":"admin-pass-123456"}' $B/api/v1/auth/login >/dev/null
q() { curl -s -b "${TMPDIR:-/tmp}/ccsync-ck.txt" -o "${TMPDIR:-/tmp}/ccsync-q.json" -w "%{http_code} %{time_total}s" -G $B/api/v1/search --data-urlencode "q=$1"; echo "  $(head -c 110 "${TMPDIR:-/tmp}/ccsync-q.json" | tr -d '\n')"; }
echo "one /.{500}/:        $(q '/.{500}/')"
twenty=""; for i in $(seq 1 20); do twenty="$twenty /.{500}/"; done
echo "twenty /.{500}/:     $(q "$twenty")"
echo "/\\p{L}{20}/:        $(q '/\p{L}{20}/')"
echo "/.*a.{8}/:           $(q '/.*a.{8}/')"
echo "five of those:       $(q '/.*a.{8}/ /.*e.{8}/ /.*i.{8}/ /.*o.{8}/ /.*u.{8}/')"
echo "three /.{50}/-ish:   $(q '/.{50}/ /.{40}/ /.{30}/')"
echo "plain term:          $(q 'budget')"
