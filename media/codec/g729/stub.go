//go:build !(cgo && bcg729)

package g729

// Available reports whether this build has G.729.
const Available = false

// Encoder is a stand-in; this build has no G.729.
type Encoder struct{}

// NewEncoder returns ErrNotInBuild.
func NewEncoder() (*Encoder, error) { return nil, ErrNotInBuild }

// Encode returns ErrNotInBuild.
func (*Encoder) Encode([]byte, []int16) (int, error) { return 0, ErrNotInBuild }

// Decoder is a stand-in; this build has no G.729.
type Decoder struct{}

// NewDecoder returns ErrNotInBuild.
func NewDecoder() (*Decoder, error) { return nil, ErrNotInBuild }

// Decode returns ErrNotInBuild.
func (*Decoder) Decode([]int16, []byte) (int, error) { return 0, ErrNotInBuild }

// Conceal returns ErrNotInBuild.
func (*Decoder) Conceal([]int16, int) (int, error) { return 0, ErrNotInBuild }
