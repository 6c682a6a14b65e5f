package dot1x

import (
	"crypto/tls"
	"testing"
)

// Whatever an authenticator sends in EAP-TLS packets, the conversation
// answers or fails cleanly, and never holds more than a flight's bound.
func FuzzEAPTLSRequest(f *testing.F) {
	f.Add([]byte{tlsFlagStart}, []byte{0x80 | 0x40, 0, 0, 0, 9, 1, 2, 3})
	f.Add([]byte{tlsFlagStart}, []byte{0x16, 3, 3, 0, 2, 2, 0})
	f.Add([]byte{0}, []byte{})
	// TLS data before any start: this deadlocked the pipe once.
	f.Add([]byte{0, 0x16, 3, 3}, []byte{})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		e := startTLS(&tls.Config{InsecureSkipVerify: true}, 64)
		defer e.close()
		for _, p := range [][]byte{first, second} {
			resp, err := e.request(p)
			if err != nil {
				return
			}
			if len(resp) == 0 || len(resp) > 1+4+64 {
				t.Fatalf("response of %d bytes", len(resp))
			}
			if e.inbound.Len() > maxTLSMessage {
				t.Fatalf("%d bytes held", e.inbound.Len())
			}
		}
	})
}
