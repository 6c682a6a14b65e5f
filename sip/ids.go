package sip

import (
	"crypto/rand"
	"encoding/hex"
)

// newTag is a From/To tag: 64 random bits in hex (RFC 3261 §19.3 asks for
// at least 32).
func newTag() string { return randomHex(8) }

// newCallID is a globally unique Call-ID: 128 random bits.
func newCallID() string { return randomHex(16) }

// newCnonce is a digest answer's client nonce: 64 random bits in hex.
func newCnonce() string { return randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
