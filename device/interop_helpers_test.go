package device_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
)

// Whole phones against real SIP servers and softphones (Kamailio, baresip,
// linphonec, SIPp). The phones are configured the way a provisioning file
// configures a generic-SIP 450HD line, and their audio is a sine per phone
// as microphone and a recorder as speaker; the softphones play their own
// tones and record what they hear, so every call is checked by the tone each
// side heard.

// ixPhone describes a phone of an interop test.
type ixPhone struct {
	user  string
	freq  float64
	cfg   []string     // configuration lines kept in flash
	flash *flash.Store // nil: a new memory store
	clock clock.Clock  // nil: the system clock
	addr  netip.Addr   // zero: a random 127/8 address
	model model.Name   // "": 450HD
	// mac is the phone's MAC; nil derives one from addr.
	mac net.HardwareAddr
	// net boots the phone over the network (DHCP towards a lab); the zero
	// value boots from flash alone.
	net device.NetConfig
	// logger receives the phone's log; nil: testLogger.
	logger *slog.Logger
	// watch records the phone's events from before it is powered on, in
	// labPhone.events: a phone may register and take its first NOTIFY
	// before a test that starts watching afterwards subscribes.
	watch bool
}

// kamLine is the configuration of line 0 registered at Kamailio over
// transport (UDP, TCP, TLS), as a generic-SIP provisioning file writes it.
func kamLine(k *testpeer.Kamailio, user, transport string) []string {
	port := k.Port
	if transport == "TLS" {
		port = k.TLSPort
	}
	return proxyLine(user, k.Host, port, k.Domain, transport)
}

// proxyLine is line 0 of user (password pass<user>) through the SIP proxy
// at host:port for domain, over transport.
func proxyLine(user, host string, port int, domain, transport string) []string {
	return []string{
		"voip/line/0/enabled=1",
		"voip/line/0/id=" + user,
		"voip/line/0/auth_name=" + user,
		"voip/line/0/auth_password=pass" + user,
		"voip/signalling/sip/use_proxy=1",
		"voip/signalling/sip/proxy_address=" + host,
		fmt.Sprintf("voip/signalling/sip/proxy_port=%d", port),
		"voip/signalling/sip/proxy_gateway=" + domain,
		"voip/signalling/sip/transport_protocol=" + transport,
	}
}

// kamPhone starts a phone for user at Kamailio over transport with a tone of
// freq Hz as microphone. For TLS its flash holds Kamailio's test CA in CA
// slot 0 (security/ca_certificate/0), as if provisioned.
func kamPhone(t *testing.T, k *testpeer.Kamailio, user string, freq float64, transport string, extra ...string) *labPhone {
	t.Helper()
	return startIxPhone(t, kamIx(t, k, user, freq, transport, extra...))
}

// kamIx is kamPhone's phone before it starts.
func kamIx(t *testing.T, k *testpeer.Kamailio, user string, freq float64, transport string, extra ...string) ixPhone {
	t.Helper()
	fl := flash.NewMemory()
	if transport == "TLS" {
		ca, err := os.ReadFile(k.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := fl.Certificates().SetCA(0, ca); err != nil {
			t.Fatal(err)
		}
	}
	return ixPhone{user: user, freq: freq, cfg: append(kamLine(k, user, transport), extra...), flash: fl}
}

// startIxPhone makes, runs and powers on a phone; it stops when the test
// ends.
func startIxPhone(t testing.TB, o ixPhone) *labPhone {
	t.Helper()
	if o.flash == nil {
		o.flash = flash.NewMemory()
	}
	if !o.addr.IsValid() {
		o.addr = randomLoopback()
	}
	if o.model == "" {
		o.model = model.M450HD
	}
	mac := o.mac
	if mac == nil {
		a4 := o.addr.As4()
		mac = net.HardwareAddr{0x00, 0x90, 0x8f, a4[1], a4[2], a4[3]}
	}
	if o.cfg != nil {
		if err := o.flash.Write(device.RecordConfig, []byte(strings.Join(o.cfg, "\n")+"\n")); err != nil {
			t.Fatal(err)
		}
	}
	lp := &labPhone{user: o.user, freq: o.freq, rec: map[string]*audio.Recorder{}}
	logger := o.logger // benchmarks log nothing
	if tt, ok := t.(*testing.T); ok && logger == nil {
		logger = testLogger(tt)
	}
	p, err := device.New(device.Config{
		Model: model.MustLookup(o.model), MAC: mac, Flash: o.flash, Addr: o.addr, MediaPorts: media.PortAny,
		MulticastIf: netip.MustParseAddr("127.0.0.1"),
		Clock:       o.clock,
		Logger:      logger,
		Network:     o.net,
		Audio: func(c device.Call) (media.Source, media.Sink) {
			rec := &audio.Recorder{Rate: device.AudioRate}
			lp.mu.Lock()
			lp.rec[c.ID] = rec
			lp.mu.Unlock()
			return mediatest.NewSine(o.freq, 8000, device.AudioRate), rec
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lp.Phone = p
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	if o.watch {
		lp.events = watchEvents(t, p)
	}
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	return lp
}

// wavPCM reads a mono 16-bit PCM WAV as the softphones write it while a
// call runs: the data chunk's length may still say 0, so everything after
// its header is taken.
func wavPCM(path string) ([]int16, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	return parseWAV(path, b)
}

// parseWAV is wavPCM for the file's bytes; path names it in errors.
func parseWAV(path string, b []byte) ([]int16, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%s: not a WAV file", path)
	}
	rate, channels := 0, 1
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, fmt.Errorf("%s: not 16-bit PCM", path)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			if channels == 0 || rate == 0 || rate > 192000 {
				return nil, 0, fmt.Errorf("%s: %d channels at %d Hz", path, channels, rate)
			}
		case "data":
			if rate == 0 {
				return nil, 0, fmt.Errorf("%s: data before fmt", path)
			}
			n := len(body) / 2 / channels
			pcm := make([]int16, n)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i*channels:]))
			}
			return pcm, rate, nil
		}
		if size < 0 || off+8+size > len(b) {
			break
		}
		off += 8 + size + size%2
	}
	return nil, rate, fmt.Errorf("%s: no data yet", path)
}

// wavHears reports how much of the last half second of a WAV file is the
// tone freq, and the file's rate.
func wavHears(path string, freq float64) (float64, int) {
	pcm, rate, err := wavPCM(path)
	if err != nil || len(pcm) < rate/4 {
		return 0, rate
	}
	if len(pcm) > rate/2 {
		pcm = pcm[len(pcm)-rate/2:]
	}
	return mediatest.ToneShare(pcm, rate, freq), rate
}

// baresipHeard returns the newest recording of what baresip received
// (sndfile's dump-*-dec.wav), "" when none.
func baresipHeard(b *testpeer.Baresip) string {
	files, _ := filepath.Glob(filepath.Join(b.RecDir, "dump-*-dec.wav"))
	if len(files) == 0 {
		return ""
	}
	sort.Slice(files, func(i, j int) bool {
		fi, _ := os.Stat(files[i])
		fj, _ := os.Stat(files[j])
		return fi.ModTime().Before(fj.ModTime())
	})
	return files[len(files)-1]
}

// peerHears waits (up to 5 s) until the WAV file that heard() names has the
// tone freq in its last half second, and fails the test otherwise.
func peerHears(t *testing.T, who string, heard func() string, freq float64) {
	t.Helper()
	var share float64
	var rate int
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if f := heard(); f != "" {
			if share, rate = wavHears(f, freq); share >= 0.5 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s hears %.0f Hz at %.2f of its power (recording at %d Hz); want the phone's tone", who, freq, share, rate)
}

// phoneHears waits (up to 5 s) until phone p has heard at least a quarter
// second of call id and the last half second of it is mostly freq.
func phoneHears(t *testing.T, p *labPhone, id string, freq float64) {
	t.Helper()
	phoneHearsFrom(t, p, id, freq, 0)
}

// phoneHearsFrom is phoneHears for what p heard after the first from
// samples of the call (a mark taken with len(p.heard(id))).
func phoneHearsFrom(t *testing.T, p *labPhone, id string, freq float64, from int) {
	t.Helper()
	var share float64
	n := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		pcm := p.heard(id)
		if len(pcm) > from {
			pcm = pcm[from:]
			n = len(pcm)
			if share = hears(pcm, freq); share >= 0.5 && n >= device.AudioRate/4 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("%s hears %.0f Hz at %.2f of its power in call %s (%d ms heard); want the far end's tone",
		p.user, freq, share, id, n*1000/device.AudioRate)
}

// eventLog records a phone's events from the moment it was made.
type eventLog struct {
	ch   <-chan device.Event
	stop func()
	seen []device.Event
}

func watchEvents(t testing.TB, p *device.Phone) *eventLog {
	ch, stop := p.Subscribe(1024)
	l := &eventLog{ch: ch, stop: stop}
	t.Cleanup(stop)
	return l
}

// wait waits until an event of kind containing text arrives (or arrived).
func (l *eventLog) wait(t *testing.T, kind device.EventKind, text string, timeout time.Duration) device.Event {
	t.Helper()
	for _, e := range l.seen {
		if e.Kind == kind && strings.Contains(e.Text, text) {
			return e
		}
	}
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-l.ch:
			if !ok {
				t.Fatalf("event stream closed waiting for %s %q", kind, text)
			}
			l.seen = append(l.seen, e)
			if e.Kind == kind && strings.Contains(e.Text, text) {
				return e
			}
		case <-deadline:
			var got []string
			for _, e := range l.seen {
				if e.Kind == kind {
					got = append(got, e.Text)
				}
			}
			t.Fatalf("no %s event with %q within %s; saw %q", kind, text, timeout, got)
		}
	}
}

// drain returns the events seen so far, reading what is queued.
func (l *eventLog) drain() []device.Event {
	for {
		select {
		case e, ok := <-l.ch:
			if !ok {
				return l.seen
			}
			l.seen = append(l.seen, e)
		default:
			return l.seen
		}
	}
}

// find reports whether an event of kind containing text arrived, reading
// what is queued without waiting.
func (l *eventLog) find(kind device.EventKind, text string) (device.Event, bool) {
	for _, e := range l.drain() {
		if e.Kind == kind && strings.Contains(e.Text, text) {
			return e, true
		}
	}
	return device.Event{}, false
}

// FuzzSoftphoneWAV feeds parseWAV, the reader of the softphones' recordings,
// damaged and unfinished files: it returns samples or an error, never
// panics, and never returns more samples than the file has bytes.
func FuzzSoftphoneWAV(f *testing.F) {
	good := make([]byte, 44+8)
	copy(good, "RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	f.Add(good)
	f.Add(good[:40])
	f.Add(make([]byte, 44)) // linphonec's header before the call ends
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00\x01\x02\x03\x04"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, _, err := parseWAV("f.wav", b)
		if err == nil && 2*len(pcm) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(pcm), len(b))
		}
	})
}

// within reports whether an event of kind containing text arrives (or
// arrived) within timeout.
func (l *eventLog) within(kind device.EventKind, text string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if _, ok := l.find(kind, text); ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
