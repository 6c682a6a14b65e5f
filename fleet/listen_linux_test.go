package fleet

import (
	"net"
	"sync"
	"testing"
)

// The lab's HTTP port has several accept queues, and connections to the
// port are served whichever queue the kernel puts them in.
func TestListenStorm(t *testing.T) {
	lns, err := listenStorm("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if len(lns) != stormListeners {
		t.Fatalf("%d listeners, want %d", len(lns), stormListeners)
	}
	addr := lns[0].Addr().String()
	var mu sync.Mutex
	per := make([]int, len(lns))
	var wg sync.WaitGroup
	for i, ln := range lns {
		if ln.Addr().String() != addr {
			t.Fatalf("listener %d on %s, want %s", i, ln.Addr(), addr)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				per[i]++
				mu.Unlock()
				c.Close()
			}
		}()
	}
	const conns = 400
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		c.Read(b[:]) // until the server closes it: accepted
		c.Close()
	}
	for _, ln := range lns {
		ln.Close()
	}
	wg.Wait()
	total, used := 0, 0
	for _, n := range per {
		total += n
		if n > 0 {
			used++
		}
	}
	if total != conns || used < 2 {
		t.Fatalf("accepted %d of %d connections on %d of %d queues (%v)", total, conns, used, len(lns), per)
	}
}
