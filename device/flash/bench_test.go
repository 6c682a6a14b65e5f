package flash_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device/flash"
)

// BenchmarkWrite measures one atomic record update: on a directory store
// that is a temporary file, two fsyncs and a rename, the price of surviving
// a power cut.
func BenchmarkWrite(b *testing.B) {
	data := bytes.Repeat([]byte("network/lan_type=DHCP\n"), 200) // a 4 KB configuration
	for _, kind := range []string{"dir", "memory"} {
		b.Run(kind, func(b *testing.B) {
			s := flash.NewMemory()
			if kind == "dir" {
				var err error
				if s, err = flash.Open(b.TempDir()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := s.Write(flash.RecordConfig, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHistoryAdd measures recording a call into a full history (100
// entries per list), as the phone does at the end of every call.
func BenchmarkHistoryAdd(b *testing.B) {
	s := flash.NewMemory()
	h := s.History()
	for i := range 3 * flash.DefaultHistoryLimit {
		h.Add(flash.Call{Kind: flash.CallKind(1 + i%3), Number: "1002", Name: "Bob", Time: t0})
	}
	c := flash.Call{Kind: flash.Dialed, Number: "1002", Name: "Bob", Time: t0, Duration: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Add(c); err != nil {
			b.Fatal(err)
		}
	}
}
