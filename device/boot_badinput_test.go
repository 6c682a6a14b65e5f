package device_test

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/lab/dhcpserver"
)

// imageServer serves one firmware image over HTTP the way a troubled server
// does: header reads (Range) are answered properly, but a whole download
// stalls, breaks off, or trickles, after the first bytes.
type imageServer struct {
	*httptest.Server
	img  []byte
	mode string // "stall", "drop", "trickle", "ok"

	mu    sync.Mutex
	whole int // whole-image requests
	hdrs  int // header reads
}

func startImageServer(t testing.TB, img []byte, mode string) *imageServer {
	t.Helper()
	s := &imageServer{img: img, mode: mode}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *imageServer) counts() (whole, headers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.whole, s.hdrs
}

func (s *imageServer) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, ".img") {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if r.Header.Get("Range") != "" {
		s.hdrs++
	} else {
		s.whole++
	}
	s.mu.Unlock()
	if r.Header.Get("Range") != "" || s.mode == "ok" {
		http.ServeContent(w, r, "image.img", time.Time{}, bytes.NewReader(s.img))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(s.img)))
	w.WriteHeader(http.StatusOK)
	first := 16 << 10
	w.Write(s.img[:first])
	w.(http.Flusher).Flush()
	switch s.mode {
	case "stall":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	case "drop":
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	case "trickle":
		for off := first; off < len(s.img); off += 2 << 10 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(15 * time.Millisecond):
			}
			w.Write(s.img[off:min(off+2<<10, len(s.img))])
			w.(http.Flusher).Flush()
		}
	}
}

// goodConfig is the phone's last good configuration, stored before the
// boot; a rejected file must leave it.
const goodConfig = "voip/media/media_port=6002\n"

// badCase boots a phone that meets one kind of bad input and checks the
// common promise: a notification, the cause logged, the running firmware and
// the last good configuration kept, and another attempt after a back-off.
type badCase struct {
	name string
	// setup returns the lab to boot from; dir is the lab's served
	// directory (the phone's per-MAC file is <mac>.cfg in it).
	setup func(t *testing.T, dir, mac string) *lab.Lab
	note  string
	// retried reports whether the phone tried again.
	retried func() bool
	// fix, if set, repairs the input; the phone must then recover by
	// itself, the notification go, and ok hold.
	fix func(t *testing.T, dir, mac string)
	ok  func(s device.State) bool
}

// behaviour: SIGN-13
func TestBadProvisioningInput(t *testing.T) {
	newImg := func(t *testing.T) []byte { return image(t, "UC_3.4.9.9", 100<<10) }
	upgraded := func(s device.State) bool { return s.Firmware == "UC_3.4.9.9" && s.Stage == device.StageIdle }
	fromDir := func(t *testing.T, dir string) *lab.Lab { return startLab(t, lab.Config{Dir: dir}) }
	var requests func() int // set by the case's setup
	retriedReq := func() bool { return requests() >= 2 }
	var phone *testPhone // the case's phone, once booting

	// badImage serves a damaged copy of the good image, then the good one.
	badImage := func(name string, damage func(img []byte) []byte) badCase {
		return badCase{
			name: name,
			setup: func(t *testing.T, dir, mac string) *lab.Lab {
				writeFile(t, dir, "450HD.img", damage(newImg(t)))
				l := fromDir(t, dir)
				requests = func() int { return countLog(l, "450HD.img", false) }
				return l
			},
			note:    device.NoteFirmware,
			retried: retriedReq,
			fix:     func(t *testing.T, dir, _ string) { writeFile(t, dir, "450HD.img", newImg(t)) },
			ok:      upgraded,
		}
	}

	corrupt := func(img []byte) []byte {
		img[len(img)-1] ^= 0xff // payload hash no longer matches
		return img
	}
	truncate := func(img []byte) []byte { return img[:len(img)/2] }

	// behaviour: FW-2
	cases := []badCase{badImage("corrupt image", corrupt), badImage("truncated image", truncate), {
		name: "image for another model",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			writeFile(t, dir, "450HD.img", image(t, "UC_3.4.9.9", 10<<10, "445HD"))
			l := fromDir(t, dir)
			requests = func() int { return countLog(l, "450HD.img", true) }
			return l
		},
		note:    device.NoteFirmware,
		retried: retriedReq,
	}, {
		name: "configuration for another model",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			writeFile(t, dir, mac+".cfg", []byte("system/type=445HD\nvoip/media/media_port=7000\n"))
			l := fromDir(t, dir)
			requests = func() int { return countLog(l, mac+".cfg", true) }
			return l
		},
		note:    device.NoteConfiguration,
		retried: retriedReq,
		fix: func(t *testing.T, dir, mac string) {
			writeFile(t, dir, mac+".cfg", []byte("system/type=450HD\nvoip/media/media_port=7000\n"))
		},
		ok: func(s device.State) bool { return s.Config.Get("voip/media/media_port") == "7000" },
	}, {
		name: "configuration that is not key=value",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			writeFile(t, dir, mac+".cfg", []byte("voip/media/media_port=7000\nthis line has no equals sign\n"))
			l := fromDir(t, dir)
			requests = func() int { return countLog(l, mac+".cfg", true) }
			return l
		},
		note:    device.NoteConfiguration,
		retried: retriedReq,
	}, {
		name: "configuration missing (404)",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			files := startLab(t, lab.Config{}) // its file server answers the phone
			l := startLab(t, lab.Config{DHCP: dhcpserver.Options{ProvisioningURL: files.HTTPURL() + "/;nothing-here.cfg"}})
			requests = func() int { return countLog(files, "nothing-here.cfg", true) }
			return l
		},
		note:    device.NoteConfiguration,
		retried: retriedReq,
	}, {
		name: "URL of no accepted form",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			return startLab(t, lab.Config{DHCP: dhcpserver.Options{ProvisioningURL: "gopher://127.0.0.1/450HD.img"}})
		},
		note: device.NoteProvisioning,
		// No server sees the attempts: the phone's log does.
		retried: func() bool { return phone.count(device.EventLog, device.NoteProvisioning+": ") >= 2 },
	}, {
		name: "server that does not answer",
		setup: func(t *testing.T, dir, mac string) *lab.Lab {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var conns []net.Conn
			accepted := 0
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					mu.Lock()
					accepted++
					conns = append(conns, c) // held open, never answered
					mu.Unlock()
				}
			}()
			t.Cleanup(func() {
				ln.Close()
				mu.Lock()
				for _, c := range conns {
					c.Close()
				}
				mu.Unlock()
			})
			requests = func() int { mu.Lock(); defer mu.Unlock(); return accepted }
			return startLab(t, lab.Config{DHCP: dhcpserver.Options{ProvisioningURL: "http://" + ln.Addr().String() + "/450HD.img"}})
		},
		note:    device.NoteFirmware,
		retried: retriedReq,
	}}
	for _, mode := range []string{"stall", "drop"} {
		cases = append(cases, badCase{
			name: "image download that " + mode + "s",
			setup: func(t *testing.T, dir, mac string) *lab.Lab {
				srv := startImageServer(t, newImg(t), mode)
				requests = func() int { w, _ := srv.counts(); return w }
				return startLab(t, lab.Config{DHCP: dhcpserver.Options{ProvisioningURL: srv.URL + "/450HD.img"}})
			},
			note:    device.NoteFirmware,
			retried: retriedReq,
		})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Cases share requests; run them one after another.
			dir := t.TempDir()
			fl := flash.NewMemory()
			if err := fl.Write(device.RecordConfig, []byte(goodConfig)); err != nil {
				t.Fatal(err)
			}
			n := int(nextPhone.Add(1))
			mac := strings.ReplaceAll(lab.PhoneMAC(n).String(), ":", "")
			l := c.setup(t, dir, mac)
			net := fastNet()
			net.DHCPServer = l.DHCPAddr()
			p := newBootPhone(t, phoneOpts{net: net, flash: fl, n: n})
			phone = p
			p.PowerOn(p.ctx)
			s := p.wait(t, c.note, hasNote(c.note))
			if s.Firmware != device.DefaultFirmware {
				t.Errorf("firmware %s, want the running %s kept", s.Firmware, device.DefaultFirmware)
			}
			if _, rec, _ := fl.Firmware().Recovery(); rec {
				t.Error("a failed download left the recovery marker")
			}
			p.waitEvent(t, device.EventLog, c.note+": ") // the cause
			if c.note == device.NoteConfiguration && !p.saw(device.EventConfigRejected, "") {
				t.Error("no config-rejected event")
			}
			// The phone goes on with what it had: idle, last good
			// configuration.
			s = p.wait(t, "idle", idleAt(1))
			if got := s.Config.Get("voip/media/media_port"); got != "6002" {
				t.Errorf("media_port %q, want the last good 6002", got)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !c.retried() {
				if time.Now().After(deadline) {
					t.Fatalf("no retry after the failure")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if c.fix == nil {
				return
			}
			c.fix(t, dir, mac)
			p.wait(t, "recovery from the bad input", func(s device.State) bool {
				return c.ok(s) && !s.HasNotification(c.note)
			})
		})
	}
}

// countLog counts the lab file server's requests for name (any outcome, or
// only complete ones).
func countLog(l *lab.Lab, name string, any bool) int {
	n := 0
	for _, e := range l.File.Log() {
		if strings.HasSuffix(e.Path, name) && (any || !e.Header()) {
			n++
		}
	}
	return n
}

// behaviour: BOOT-1
func TestMalformedDHCPOptionsCostNothing(t *testing.T) {
	t.Parallel()
	l := startLab(t, lab.Config{DHCP: dhcpserver.Options{Raw: map[uint8][]byte{
		2:   {1, 2, 3},          // an offset of 3 bytes
		42:  {127, 0, 0},        // a partial address
		43:  {10, 9, 'x'},       // a sub-option longer than the option
		120: {7, 'n', 'o', 'p'}, // an unknown encoding
	}}})
	net := fastNet()
	net.DHCPServer = l.DHCPAddr()
	p := newBootPhone(t, phoneOpts{net: net})
	p.PowerOn(p.ctx)
	s := p.wait(t, "idle", idleAt(1))
	if !s.Network.Address.IsValid() || s.Network.ProvisioningURL != l.ProvisioningURL() {
		t.Fatalf("lease lost to bad options: %+v", s.Network)
	}
	if s.Network.TimeOffset != nil || len(s.Network.NTPServers) != 0 {
		t.Errorf("bad options used: offset %v ntp %v", s.Network.TimeOffset, s.Network.NTPServers)
	}
	for _, code := range []string{"2", "42", "43", "120"} {
		if !p.saw(device.EventLog, "DHCP option "+code+" ignored") {
			t.Errorf("bad option %s not logged", code)
		}
	}
	if !p.saw(device.EventConfigApplied, ".cfg") {
		t.Error("provisioning did not go on")
	}
}
