package fleet

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrFile: the fleet file is not valid (a FileError says where).
	ErrFile = errors.New("fleet: bad fleet file")
	// ErrPattern: a {{...}} pattern does not parse or evaluate.
	ErrPattern = errors.New("fleet: bad pattern")
	// ErrShard: a --shard value that is not i/n with 0 <= i < n.
	ErrShard = errors.New("fleet: bad shard")
	// ErrNoPhone: a reference to a phone the fleet does not have.
	ErrNoPhone = errors.New("fleet: no such phone")
	// ErrStep: a scenario step failed on a phone (the report says why).
	ErrStep = errors.New("fleet: step failed")
	// ErrMerge: reports that cannot be merged (a phone in two shards).
	ErrMerge = errors.New("fleet: cannot merge reports")
	// ErrNotRunning: the fleet is not running (before Run, or after it
	// returned).
	ErrNotRunning = errors.New("fleet: not running")
)
