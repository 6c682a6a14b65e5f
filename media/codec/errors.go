package codec

import "errors"

var (
	// ErrUnknown is returned by Registry lookups for a name or payload type
	// that is no codec this build has.
	ErrUnknown = errors.New("codec: unknown codec")
	// ErrNotInBuild is returned for a codec the phone's configuration knows
	// (SILK_8000, SILK_16000, and G729 without the bcg729 tag) but this build
	// cannot encode and decode, so it must not be offered.
	ErrNotInBuild = errors.New("codec: not in this build")
)
