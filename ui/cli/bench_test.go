package cli_test

import (
	"io"
	"testing"
)

// BenchmarkExecShowStatus runs one console command against a running phone.
func BenchmarkExecShowStatus(b *testing.B) {
	tp := startB(b)
	e := tp.console.Engine()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Exec(tp.ctx, io.Discard, "show status"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecSet changes a parameter through the phone (validation,
// flash write, snapshot).
func BenchmarkExecSet(b *testing.B) {
	tp := startB(b)
	e := tp.console.Engine()
	b.ReportAllocs()
	vals := []string{"set voip/media/media_port 6000", "set voip/media/media_port 6002"}
	i := 0
	for b.Loop() {
		if _, err := e.Exec(tp.ctx, io.Discard, vals[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
