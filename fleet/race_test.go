//go:build race

package fleet

// raceEnabled: the race detector maps shadow memory beside each heap page,
// faulting pages of its own.
const raceEnabled = true
