// Package racetest tells tests whether the race detector is built in: it
// slows processes a test starts and maps shadow memory beside the heap,
// which some tests must allow for.
package racetest
