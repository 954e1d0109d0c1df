#!/bin/bash
# Logs in to the demo on :18181 and waits for its first sync to finish.
B=http://127.0.0.1:18181
curl -s -c "${TMPDIR:-/tmp}/ccsync-ck.txt" -H "Content-Type: application/json" -H "Origin: $B" -d '{"name":"admin","password":"admin-pass-123456"}' $B/api/v1/auth/login >/dev/null
for i in $(seq 1 300); do curl -s -b "${TMPDIR:-/tmp}/ccsync-ck.txt" $B/api/v1/sync | grep -q '"last_run"' && break; sleep 0.2; done
curl -s -b "${TMPDIR:-/tmp}/ccsync-ck.txt" $B/api/v1/stats | head -c 80; echo
