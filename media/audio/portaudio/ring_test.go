package portaudio

import (
	"sync"
	"testing"
)

func TestRingFIFO(t *testing.T) {
	q := newRing(5)
	q.write([]int16{1, 2, 3})
	got := make([]int16, 2)
	if n := q.read(got); n != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("read %d %v", n, got)
	}
	q.write([]int16{4, 5, 6}) // wraps around the end of the buffer
	all := make([]int16, 6)
	if n := q.read(all); n != 4 || !eq(all[:4], []int16{3, 4, 5, 6}) {
		t.Fatalf("read %d %v", n, all)
	}
	if _, short := q.stats(); short != 2 {
		t.Errorf("short = %d, want 2", short)
	}
}

// A full ring drops the oldest audio: latency stays bounded.
func TestRingDropsOldest(t *testing.T) {
	q := newRing(4)
	q.write([]int16{1, 2, 3})
	q.write([]int16{4, 5, 6})
	got := make([]int16, 4)
	if n := q.read(got); n != 4 || !eq(got, []int16{3, 4, 5, 6}) {
		t.Fatalf("read %d %v", n, got)
	}
	q.write([]int16{1, 2, 3, 4, 5, 6, 7}) // larger than the ring
	if n := q.read(got); n != 4 || !eq(got, []int16{4, 5, 6, 7}) {
		t.Fatalf("read %d %v", n, got)
	}
	if dropped, _ := q.stats(); dropped != 2+3 {
		t.Errorf("dropped = %d, want 5", dropped)
	}
}

// The callback thread and the pacer use the ring at once (-race).
func TestRingConcurrent(t *testing.T) {
	q := newRing(320)
	var wg sync.WaitGroup
	wg.Go(func() {
		f := make([]int16, 160)
		for i := range 1000 {
			for j := range f {
				f[j] = int16(i)
			}
			q.write(f)
		}
	})
	buf := make([]int16, 160)
	last := int16(-1)
	for range 1000 {
		n := q.read(buf)
		for _, v := range buf[:n] {
			if v < last {
				t.Fatalf("order broken: %d after %d", v, last)
			}
			last = v
		}
	}
	wg.Wait()
}

func eq(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
