package tftp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Opcode is the first field of every packet (RFC 1350 §5, RFC 2347).
type Opcode uint16

// The opcodes.
const (
	OpRRQ   Opcode = 1
	OpWRQ   Opcode = 2
	OpDATA  Opcode = 3
	OpACK   Opcode = 4
	OpERROR Opcode = 5
	OpOACK  Opcode = 6
)

func (o Opcode) String() string {
	switch o {
	case OpRRQ:
		return "RRQ"
	case OpWRQ:
		return "WRQ"
	case OpDATA:
		return "DATA"
	case OpACK:
		return "ACK"
	case OpERROR:
		return "ERROR"
	case OpOACK:
		return "OACK"
	}
	return "op" + strconv.Itoa(int(o))
}

// ErrorCode is the code of an ERROR packet (RFC 1350 appendix, RFC 2347).
type ErrorCode uint16

// The error codes.
const (
	ErrUndefined         ErrorCode = 0
	ErrFileNotFound      ErrorCode = 1
	ErrAccessViolation   ErrorCode = 2
	ErrDiskFull          ErrorCode = 3
	ErrIllegalOperation  ErrorCode = 4
	ErrUnknownTID        ErrorCode = 5
	ErrFileExists        ErrorCode = 6
	ErrNoSuchUser        ErrorCode = 7
	ErrOptionNegotiation ErrorCode = 8
)

func (c ErrorCode) String() string {
	names := []string{"undefined", "file not found", "access violation", "disk full",
		"illegal operation", "unknown transfer id", "file exists", "no such user", "option negotiation"}
	if int(c) < len(names) {
		return names[c]
	}
	return "code " + strconv.Itoa(int(c))
}

// Option is one option of a request or OACK, in the order sent.
type Option struct{ Name, Value string }

// Option names (RFC 2348, 2349).
const (
	OptBlksize = "blksize"
	OptTsize   = "tsize"
	OptTimeout = "timeout"
)

// Block size limits (RFC 2348).
const (
	DefaultBlockSize = 512
	MinBlockSize     = 8
	MaxBlockSize     = 65464
)

// Packet is one decoded TFTP datagram. Which fields are used depends on Op.
// Data aliases the buffer given to Parse.
type Packet struct {
	Op       Opcode
	Filename string    // RRQ, WRQ
	Mode     string    // RRQ, WRQ: "octet" or "netascii" (lower case)
	Options  []Option  // RRQ, WRQ, OACK
	Block    uint16    // DATA, ACK
	Data     []byte    // DATA
	Code     ErrorCode // ERROR
	Message  string    // ERROR
}

// Option returns the value of an option (names compare case-insensitively).
func (p *Packet) Option(name string) (string, bool) {
	for _, o := range p.Options {
		if strings.EqualFold(o.Name, name) {
			return o.Value, true
		}
	}
	return "", false
}

// Parse decodes one datagram. Errors wrap ErrMalformed.
func Parse(b []byte) (Packet, error) {
	if len(b) < 2 {
		return Packet{}, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	p := Packet{Op: Opcode(binary.BigEndian.Uint16(b))}
	body := b[2:]
	switch p.Op {
	case OpRRQ, OpWRQ:
		fields, err := strings0(body)
		if err != nil {
			return Packet{}, err
		}
		if len(fields) < 2 || len(fields)%2 != 0 {
			return Packet{}, fmt.Errorf("%w: %s with %d fields", ErrMalformed, p.Op, len(fields))
		}
		p.Filename, p.Mode = fields[0], strings.ToLower(fields[1])
		if p.Filename == "" {
			return Packet{}, fmt.Errorf("%w: empty file name", ErrMalformed)
		}
		if p.Mode != "octet" && p.Mode != "netascii" && p.Mode != "mail" {
			return Packet{}, fmt.Errorf("%w: mode %q", ErrMalformed, fields[1])
		}
		p.Options = options(fields[2:])
	case OpOACK:
		fields, err := strings0(body)
		if err != nil {
			return Packet{}, err
		}
		if len(fields)%2 != 0 {
			return Packet{}, fmt.Errorf("%w: OACK with an option and no value", ErrMalformed)
		}
		p.Options = options(fields)
	case OpDATA:
		if len(body) < 2 {
			return Packet{}, fmt.Errorf("%w: short DATA", ErrMalformed)
		}
		p.Block = binary.BigEndian.Uint16(body)
		p.Data = body[2:]
	case OpACK:
		if len(body) != 2 {
			return Packet{}, fmt.Errorf("%w: ACK of %d bytes", ErrMalformed, len(b))
		}
		p.Block = binary.BigEndian.Uint16(body)
	case OpERROR:
		if len(body) < 2 {
			return Packet{}, fmt.Errorf("%w: short ERROR", ErrMalformed)
		}
		p.Code = ErrorCode(binary.BigEndian.Uint16(body))
		msg := body[2:]
		// Servers are supposed to NUL-terminate the message; be lenient
		// with those that do not.
		if i := bytes.IndexByte(msg, 0); i >= 0 {
			msg = msg[:i]
		}
		p.Message = string(msg)
	default:
		return Packet{}, fmt.Errorf("%w: opcode %d", ErrMalformed, p.Op)
	}
	return p, nil
}

// strings0 splits NUL-terminated strings; the body must end with a NUL.
func strings0(b []byte) ([]string, error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, fmt.Errorf("%w: strings not NUL-terminated", ErrMalformed)
	}
	parts := bytes.Split(b[:len(b)-1], []byte{0})
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = string(s)
	}
	return out, nil
}

func options(kv []string) []Option {
	var out []Option
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Option{Name: strings.ToLower(kv[i]), Value: kv[i+1]})
	}
	return out
}

// Append encodes p onto dst and returns the extended slice.
func (p Packet) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(p.Op))
	switch p.Op {
	case OpRRQ, OpWRQ:
		dst = append(append(dst, p.Filename...), 0)
		mode := p.Mode
		if mode == "" {
			mode = "octet"
		}
		dst = append(append(dst, mode...), 0)
		dst = appendOptions(dst, p.Options)
	case OpOACK:
		dst = appendOptions(dst, p.Options)
	case OpDATA:
		dst = binary.BigEndian.AppendUint16(dst, p.Block)
		dst = append(dst, p.Data...)
	case OpACK:
		dst = binary.BigEndian.AppendUint16(dst, p.Block)
	case OpERROR:
		dst = binary.BigEndian.AppendUint16(dst, uint16(p.Code))
		dst = append(append(dst, p.Message...), 0)
	}
	return dst
}

func appendOptions(dst []byte, opts []Option) []byte {
	for _, o := range opts {
		dst = append(append(dst, o.Name...), 0)
		dst = append(append(dst, o.Value...), 0)
	}
	return dst
}
