// Package retention schedules retention runs: daily at a configured UTC
// time of day, and on demand, one at a time. It only decides when;
// indexer.RunRetention decides what goes and publishes the progress events.
// It must not import package api (api's tests use it).
package retention
