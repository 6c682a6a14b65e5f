package cli

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrNoPhone is returned by New when Config.Phone is nil.
	ErrNoPhone = errors.New("cli: Config.Phone is required")
	// ErrSyntax: the command line cannot be split into words.
	ErrSyntax = errors.New("cli: syntax error")
	// ErrUnknownCommand: no such command.
	ErrUnknownCommand = errors.New("cli: unknown command")
	// ErrUsage: a command with the wrong arguments.
	ErrUsage = errors.New("cli: usage")
	// ErrNotAvailable: the command's hook is not wired in.
	ErrNotAvailable = errors.New("cli: not available on this phone")
	// ErrAuth: wrong user name or password.
	ErrAuth = errors.New("cli: wrong user name or password")
)
