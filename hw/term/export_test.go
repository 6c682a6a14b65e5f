package term

// WithLock runs f while b draws nothing, so that a test can read the
// simulation screen's cells without racing a redraw.
func WithLock(b *Board, f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f()
}
