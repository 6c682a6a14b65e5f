package tftp

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrMalformed: a datagram is not a valid TFTP packet.
	ErrMalformed = errors.New("tftp: malformed packet")
	// ErrNotFound: the server answered with error 1 (file not found).
	ErrNotFound = errors.New("tftp: file not found")
	// ErrAccess: the server answered with error 2 (access violation).
	ErrAccess = errors.New("tftp: access violation")
	// ErrTimeout: the server stopped answering after every retransmission.
	ErrTimeout = errors.New("tftp: timed out")
	// ErrTooLarge: the file is larger than the client's limit.
	ErrTooLarge = errors.New("tftp: file too large")
	// ErrProtocol: the server broke the protocol (bad option values, an
	// unexpected packet type).
	ErrProtocol = errors.New("tftp: protocol error")
)

// RemoteError is an ERROR packet received from the peer.
type RemoteError struct {
	Code    ErrorCode
	Message string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("tftp: server error %d (%s): %s", e.Code, e.Code, e.Message)
}

// Is lets errors.Is match the codes that have sentinels.
func (e *RemoteError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Code == ErrFileNotFound
	case ErrAccess:
		return e.Code == ErrAccessViolation
	}
	return false
}
