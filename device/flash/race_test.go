//go:build race

package flash_test

func init() { raceEnabled = true }
