// Package audio holds the phone's audio endpoints: where the PCM it sends
// comes from and where the PCM it receives goes. An endpoint is a Source or
// a Sink of 16-bit mono frames in caller-owned buffers, with the same method
// set the media engine consumes (media.Source and media.Sink), so any of
// these plugs into a call directly.
//
// Endpoints here: Null (silence in, discard out), WAV files in and out,
// ToneSource (call-progress and ring tones, switchable while playing),
// Recorder (keeps what it received, so a test can ask what a phone heard),
// rate converters between 8 and 16 kHz, and Mixer, which mixes a local
// three-way conference so that each party hears the others but not itself.
// The sound card (PortAudio) is in media/audio/portaudio, behind a build tag.
//
// Sources and sinks are called from the media engine's pacer: ReadPCM and
// WritePCM never block.
package audio

// Source gives PCM to send. ReadPCM fills dst with what it has and returns
// the count; io.EOF ends the source.
type Source interface {
	ReadPCM(dst []int16) (int, error)
}

// Sink takes PCM to play. WritePCM must not keep pcm after returning.
type Sink interface {
	WritePCM(pcm []int16) error
}
