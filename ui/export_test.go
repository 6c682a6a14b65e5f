package ui

import "context"

// RoundTrip waits until a's Run loop has handled what it took before.
func RoundTrip(ctx context.Context, a *App) error { return a.roundTrip(ctx) }
