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
)
