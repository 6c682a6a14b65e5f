package g722

import "errors"

// ErrOddLength is returned by Encoder.Encode for an odd number of samples:
// G.722 codes samples in pairs (one byte per pair).
var ErrOddLength = errors.New("g722: odd number of samples")
