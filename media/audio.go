package media

// Source gives the PCM the phone sends: 16-bit signed mono samples at the
// session's audio rate (the codec's sample rate unless SessionConfig sets
// AudioRate).
//
// ReadPCM is called from the engine's pacer, once per packet, and must not
// block: it fills what it has and returns the count; the rest is sent as
// silence. io.EOF ends the source (silence follows).
type Source interface {
	ReadPCM(dst []int16) (int, error)
}

// Sink takes the PCM the phone plays, in 20 ms frames at the session's audio
// rate. WritePCM is called from the engine's pacer and must not block or
// keep pcm after it returns.
type Sink interface {
	WritePCM(pcm []int16) error
}
