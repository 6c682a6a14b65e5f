//go:build !linux

package media

import "errors"

func newOSSleeper() (sleeper, bool) { return nil, false }

func setRealTime() error { return errors.New("media: no real-time scheduling on this platform") }
