package audio

// Null is the endpoint of a phone without audio hardware (fleets, CI): as a
// Source it gives silence for ever, as a Sink it discards.
type Null struct{}

// ReadPCM fills dst with silence.
func (Null) ReadPCM(dst []int16) (int, error) {
	clear(dst)
	return len(dst), nil
}

// WritePCM discards pcm.
func (Null) WritePCM([]int16) error { return nil }
