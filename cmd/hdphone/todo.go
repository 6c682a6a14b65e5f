package main

import (
	"context"
	"errors"
)

// These commands arrive with their issues; until then they say so plainly.

func runFleet(ctx context.Context, e *env, args []string) error {
	return exitError{2, errors.New("not built yet (issue: fleets)")}
}
