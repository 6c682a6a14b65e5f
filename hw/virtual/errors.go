package virtual

import "errors"

var (
	// ErrBadKey is returned for a key the board cannot press: KeyNone, an
	// undefined key, an index on a key that has none, a negative index, or a
	// character Dial cannot type.
	ErrBadKey = errors.New("virtual: bad key")
	// ErrKeyDown is returned by Press for a key that is already down.
	ErrKeyDown = errors.New("virtual: key already down")
	// ErrKeyUp is returned by Release for a key that is not down.
	ErrKeyUp = errors.New("virtual: key not down")
)
