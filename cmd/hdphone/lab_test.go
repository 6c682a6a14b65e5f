package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/lab"
	"github.com/hdphone/hdphone/media"
)

// syncBuffer is an output the command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// `hdphone lab` prints where its servers are and a ready option-160 URL;
// a phone in UDP mode boots against what it printed and registers the line
// of its generated configuration.
func TestLabCommandServesAPhone(t *testing.T) {
	dir := t.TempDir()
	var out syncBuffer
	e := &env{stdout: &out, stderr: io.Discard, level: new(slog.LevelVar), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runLab(ctx, e, []string{"--dir", dir, "--first-line", "2000"}) }()
	dhcpRE := regexp.MustCompile(`DHCP \(UDP mode\)\s+(\S+)`)
	urlRE := regexp.MustCompile(`option 160 URL\s+(http://\S+)`)
	var m []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m = dhcpRE.FindStringSubmatch(out.String()); m != nil && urlRE.MatchString(out.String()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lab printed:\n%s", out.String())
		}
	}
	server := netip.MustParseAddrPort(m[1])

	// An address of its own: phones of other test packages, running at the
	// same time, have SIP sockets on 127.x addresses too.
	addr := netip.AddrFrom4([4]byte{127, byte(100 + rand.IntN(150)), byte(rand.IntN(256)), byte(1 + rand.IntN(254))})
	p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: lab.PhoneMAC(7),
		Addr: addr, MediaPorts: media.PortAny,
		Network: device.NetConfig{DHCPServer: server}})
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer pcancel()
	go p.Run(pctx)
	p.PowerOn(pctx)
	s, err := p.Wait(pctx, func(s device.State) bool {
		return s.Stage == device.StageIdle && len(s.Lines) > 0 && s.Lines[0].State == device.RegRegistered
	})
	if err != nil {
		t.Fatalf("phone: %v (stage %s, lines %+v)", err, s.Stage, s.Lines)
	}
	if s.Lines[0].ID != "2008" || s.Network.ProvisioningURL != urlRE.FindStringSubmatch(out.String())[1] {
		t.Errorf("line %q, URL %q", s.Lines[0].ID, s.Network.ProvisioningURL)
	}
	pcancel()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("lab: %v", err)
	}
}

func TestLabCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--scheme", "gopher"}, {"--host", "not-an-ip"}, {"--dir", "/nonexistent-dir"}, {"--ntp", "x"}} {
		var out, errb bytes.Buffer
		if code := realMain(append([]string{"lab"}, args...), &out, &errb); code != 2 {
			t.Errorf("lab %v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
