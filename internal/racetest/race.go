//go:build race

package racetest

// Enabled: this build has the race detector.
const Enabled = true
