package firmware

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotImage: the bytes do not start with the image magic.
	ErrNotImage = errors.New("firmware: not a firmware image")
	// ErrUnsupported: a format version or header size this reader does not know.
	ErrUnsupported = errors.New("firmware: unsupported image format")
	// ErrCorrupt: the header checksum, a header field or the payload hash is wrong.
	ErrCorrupt = errors.New("firmware: corrupt image")
	// ErrTruncated: the image ends before its header or payload does.
	ErrTruncated = errors.New("firmware: truncated image")
	// ErrWrongModel: the image is not for this phone model.
	ErrWrongModel = errors.New("firmware: image is for another model")
	// ErrBadHeader: Pack or Build was given values that do not fit the header.
	ErrBadHeader = errors.New("firmware: bad header values")
)
