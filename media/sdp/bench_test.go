package sdp

import (
	"os"
	"testing"
)

// BenchmarkAnswer parses a real linphone offer (nine formats, four crypto
// lines) and builds the phone's answer.
func BenchmarkAnswer(b *testing.B) {
	offer, err := os.ReadFile("testdata/linphone-srtp.sdp")
	if err != nil {
		b.Fatal(err)
	}
	l := phoneLocal(SecurityOptional)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Answer(l, offer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOffer builds the phone's offer.
func BenchmarkOffer(b *testing.B) {
	l := phoneLocal(SecurityOptional)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Offer(l); err != nil {
			b.Fatal(err)
		}
	}
}
