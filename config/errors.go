package config

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrUnknownKey: the key is not in the catalogue.
	ErrUnknownKey = errors.New("config: unknown parameter")
	// ErrBadValue: the value does not fit the parameter's type, values or range.
	ErrBadValue = errors.New("config: bad value")
	// ErrBadIndex: the index of an indexed key is out of its range.
	ErrBadIndex = errors.New("config: index out of range")

	// ErrRejected is wrapped by the error Apply returns when a file holds at
	// least one Error issue; nothing of the file is applied then.
	ErrRejected = errors.New("config: file rejected")
	// ErrSyntax: a line that is neither a comment nor key=value.
	ErrSyntax = errors.New("config: syntax error")
	// ErrBinary: NUL bytes or invalid UTF-8, i.e. not a text file.
	ErrBinary = errors.New("config: binary data")
	// ErrTooLarge: the file is larger than MaxFileSize.
	ErrTooLarge = errors.New("config: file too large")

	// ErrBadSecret: an encrypted {"…"} value that does not decrypt.
	ErrBadSecret = errors.New("config: bad encrypted value")
	// ErrHashed: the credential is kept only as an MD5 digest.
	ErrHashed = errors.New("config: password is stored hashed")
	// ErrNotCFX: data given as a .cfx file lacks the .cfx header.
	ErrNotCFX = errors.New("config: not an encrypted configuration file")
	// ErrCorruptCFX: a .cfx file whose body does not decrypt or whose
	// checksum does not match.
	ErrCorruptCFX = errors.New("config: corrupted encrypted configuration file")
)
