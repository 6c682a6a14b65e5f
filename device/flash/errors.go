package flash

import (
	"errors"
	"fmt"
	"io/fs"
)

var (
	// ErrNotFound is returned when a record does not exist. It wraps
	// fs.ErrNotExist.
	ErrNotFound = fmt.Errorf("flash: record not found: %w", fs.ErrNotExist)
	// ErrBadName is returned for a record name that would leave the store.
	ErrBadName = errors.New("flash: bad record name")
	// ErrCorrupt is returned when a typed record (firmware slot, call
	// history, crash index) does not decode. The record is left as it is.
	ErrCorrupt = errors.New("flash: corrupt record")
	// ErrInvalid is returned for an argument a typed record refuses (an
	// unknown call kind, a CA slot out of range, an empty firmware version).
	ErrInvalid = errors.New("flash: invalid argument")
	// ErrBadPEM is returned for certificate or key data that does not parse.
	ErrBadPEM = errors.New("flash: bad certificate or key")
	// ErrKeyMismatch is returned when a slot's private key does not belong to
	// its certificate.
	ErrKeyMismatch = errors.New("flash: private key does not match certificate")
	// ErrBurnDone is returned by a Burn used after Commit or Abort, or after
	// a newer BeginBurn superseded it.
	ErrBurnDone = errors.New("flash: firmware burn already finished")
	// ErrNoImage is returned by Firmware.Image on a memory store, which keeps
	// the slot's version, length and digest but not the image bytes.
	ErrNoImage = errors.New("flash: firmware image not kept by a memory store")
)
