package term

import "errors"

// ErrNoTerminal is returned by New when the terminal cannot be opened (no
// TTY, an unknown TERM).
var ErrNoTerminal = errors.New("term: no terminal")
