package sdp

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sdp")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("v=0\r\n"))
	f.Add([]byte("v=0\nm=audio 1/2 RTP/AVP 0 0 0\nc=IN IP6 ::1\na=rtcp:1 IN IP6 ::2\n"))
}

// FuzzParse: any body parses or fails with a ParseError, never panics, and
// what parses survives a Marshal/Parse round trip.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		if _, err := Parse(s.Marshal()); err != nil {
			t.Fatalf("re-parse of marshalled description failed: %v\n%s", err, s.Marshal())
		}
	})
}

// FuzzAnswer: answering any offer never panics, and an answer the phone
// writes always parses.
func FuzzAnswer(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, sec := range []Security{SecurityNone, SecurityOptional, SecurityRequired} {
			ans, _, err := Answer(phoneLocal(sec), b)
			if err != nil {
				continue
			}
			if _, err := Parse(ans); err != nil {
				t.Fatalf("own answer does not parse: %v\n%s", err, ans)
			}
		}
	})
}
