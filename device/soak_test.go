//go:build soak

package device_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
)

// TestSoakRandomCalls (make soak; SOAK_DURATION, default 10m) has three
// phones at the embedded lab and three at Kamailio place, answer, hold,
// resume, transfer and hang up calls among themselves at random, and lose
// their power now and then, in rounds of 150 steps. After each round every
// phone is registered with no call left and places a call to the next
// that is answered; at the end the process is back to its goroutines and
// open files. The seed is logged: SOAK_SEED replays a run.
func TestSoakRandomCalls(t *testing.T) {
	d := 10 * time.Minute
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("SOAK_DURATION: %v", err)
		}
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SOAK_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("SOAK_SEED: %v", err)
		}
	}
	t.Logf("seed %d, %s", seed, d)
	rnd := rand.New(rand.NewPCG(seed, 1))
	srv := startProxyWith(t, func(c *sipproxy.Config) { c.TimerC = time.Second })
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	groups := [][]*labPhone{
		{newLabPhone(t, srv, "1051", 1000), newLabPhone(t, srv, "1052", 600), newLabPhone(t, srv, "1053", 800)},
		{kamPhone(t, k, "1001", 1000, "UDP"), kamPhone(t, k, "1002", 600, "UDP"), kamPhone(t, k, "1003", 800, "UDP")},
	}
	settle := func() {
		for _, g := range groups {
			for _, p := range g {
				for _, c := range p.Snapshot().Calls {
					p.Hangup(bg, c.ID)
				}
			}
		}
		for _, g := range groups {
			for _, p := range g {
				waitState(t, p.Phone, p.user+" registered, no call", func(s device.State) bool {
					for _, c := range s.Calls {
						if c.State != device.CallEnded {
							return false
						}
					}
					return registered(s)
				})
			}
		}
	}
	settle()
	g0, f0 := runtime.NumGoroutine(), openFiles(t)
	end := time.Now().Add(d)
	for round := 1; time.Now().Before(end); round++ {
		for range 150 {
			g := groups[rnd.IntN(len(groups))]
			randomStep(t, rnd, g[rnd.IntN(3)], g[rnd.IntN(3)])
		}
		settle()
		for _, g := range groups {
			for i, p := range g {
				q := g[(i+1)%3]
				connect(t, p, q)
				for _, x := range []*labPhone{p, q} {
					for _, c := range x.Snapshot().Calls {
						x.Hangup(bg, c.ID)
					}
				}
			}
		}
		t.Logf("round %d: every phone registered, no call left, every pair called", round)
	}
	settle()
	// A phone's INVITE that it cancelled while the callee's power was
	// gone is given up 64·T1 (32 s) after its CANCEL (RFC 3261 §9.1), as
	// is the lab's relay of it.
	waitSettled(t, g0, f0, time.Minute, "at the soak's end")
}

// randomStep has p do one thing at random, towards q where it calls or
// transfers: what a user does, or a power cut, or a pause.
func randomStep(t *testing.T, rnd *rand.Rand, p, q *labPhone) {
	t.Helper()
	calls := p.Snapshot().Calls
	first := func(states ...device.CallState) (string, bool) {
		for _, c := range calls {
			for _, st := range states {
				if c.State == st {
					return c.ID, true
				}
			}
		}
		return "", false
	}
	switch rnd.IntN(9) {
	case 0, 1:
		p.Dial(bg, q.user)
	case 2:
		if id, ok := first(device.CallIncoming, device.CallRinging); ok {
			p.Answer(bg, id)
		}
	case 3:
		if len(calls) > 0 {
			p.Hangup(bg, calls[0].ID)
		}
	case 4:
		if id, ok := first(device.CallConnected); ok {
			p.Hold(bg, id)
		}
	case 5:
		if id, ok := first(device.CallConnected); ok {
			p.Transfer(bg, id, q.user, device.Blind)
		}
	case 6:
		if id, ok := first(device.CallHeld); ok {
			p.Resume(bg, id)
		}
	case 7:
		if rnd.IntN(3) == 0 {
			p.PowerOff(bg)
			waitState(t, p.Phone, p.user+" off", func(s device.State) bool { return !s.Power })
			p.PowerOn(bg)
		}
	case 8:
		time.Sleep(time.Duration(rnd.IntN(300)) * time.Millisecond)
	}
	time.Sleep(time.Duration(rnd.IntN(60)) * time.Millisecond)
}
