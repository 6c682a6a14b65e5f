//go:build !linux

package media

func newOSSleeper() (sleeper, bool) { return nil, false }
