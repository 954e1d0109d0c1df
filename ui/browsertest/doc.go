// Package browsertest drives the web UI in headless Chromium against a real
// ccsync server on loopback: a real indexer (Badger and Bleve in a temporary
// directory) seeded with realistic conversations, planted secrets and XSS
// payloads, the real API and the embedded UI assets. Only the Compliance API
// sync is faked, because Anthropic's API is not reachable from tests.
//
// The tests need /usr/bin/chromium (Debian's chromium package). Without it
// they skip, unless CI=true, where a missing browser is a failure.
// Screenshots of every main page are written to $CCSYNC_SCREENSHOTS (a
// temporary directory by default).
package browsertest
