package fleet_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// freeSIPPort is a UDP port free on every address: the shared socket's,
// kept off 5060 so that tests in other processes keep theirs.
func freeSIPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Phones on one shared SIP socket register at Kamailio from their own
// addresses (Kamailio answers each at the address it came from, and binds
// it), call each other in pairs through it and hear each other; while
// they are registered the fleet holds no descriptor per phone.
func TestSharedSocketAtKamailio(t *testing.T) {
	const n = 10 // Kamailio's users 1001-1010
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	port := freeSIPPort(t)
	f := mustParse(t, fmt.Sprintf(`
network: {lab: external, registrar: "%s", domain: %s, shared_socket: true}
phones:
  - {group: desk, model: 450HD, count: %d, user: "{{1000+i}}"}
scenario:
  - wait: registered
  - {each: pairs, call: peer}
  - {each: pairs, answer: peer}
  - {name: talk, sleep: 1s}
  - {name: audio, each: pairs, check_audio: peer}
  - {name: hangup, each: pairs, hangup: }
`, k.Addr(), k.Domain, n))
	f.Network.SIPPortBase = port
	fds0 := proctest.OpenFiles()
	hungUp := make(chan struct{})
	fl, err := fleet.New(f, fleet.Options{Stay: true, Progress: func(p fleet.Progress) {
		if p.Step == "hangup" && p.Done == p.Total {
			close(hungUp)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type ran struct {
		r   *fleet.Report
		err error
	}
	done := make(chan ran, 1)
	go func() {
		r, err := fl.Run(ctx)
		done <- ran{r, err}
	}()
	select {
	case <-hungUp:
	case <-ctx.Done():
		t.Fatal("the scenario did not end")
	}
	// The scenario over, the phones still registered: their sockets.
	// The callees close their media sockets as the BYE reaches them:
	// count once they have; a socket per phone would stay.
	grown := proctest.OpenFiles() - fds0
	for deadline := time.Now().Add(10 * time.Second); grown >= n && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		grown = proctest.OpenFiles() - fds0
	}
	registered := k.RegisteredCount(t)
	var contacts []string
	for _, user := range []string{"1001", fmt.Sprint(1000 + n)} {
		contacts = append(contacts, k.Contacts(t, user)...)
	}
	cancel()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	for _, st := range res.r.Steps {
		for _, r := range st.Results {
			if r.Status != fleet.StatusPassed {
				t.Errorf("%s [%s]: %s %s %s", r.Phone, st.Name, r.Status, r.Error, r.Detail)
			}
		}
	}
	if registered != n {
		t.Errorf("Kamailio holds %d registrations, want %d", registered, n)
	}
	if grown >= n {
		t.Errorf("%d phones hold %d more descriptors: a socket each, not the shared one", n, grown)
	}
	prefix := f.Network.Addresses.Addr().String()
	prefix = prefix[:strings.LastIndexByte(prefix, '.')+1]
	for _, c := range contacts {
		if !strings.Contains(c, "@"+prefix) || !strings.Contains(c, fmt.Sprintf(":%d", port)) {
			t.Errorf("contact %s: want the phone's own address in %s on port %d", c, f.Network.Addresses, port)
		}
	}
	if len(contacts) != 2 {
		t.Errorf("contacts %v, want one for each of two users", contacts)
	}
}

// With the embedded lab the phones get their addresses by DHCP, then
// register and call on the shared socket from those addresses, and a
// phone that reboots (its line closed and opened again) takes its address
// back on it. While they talk the SIP port is the fleet's on every
// address (no phone is on 127.0.0.1, yet it cannot be bound there): the
// phones are on the shared socket, not on sockets of their own.
func TestSharedSocketWithTheLab(t *testing.T) {
	f := mustParse(t, `
network: {shared_socket: true}
phones:
  - {group: desk, model: 445HD, count: 4}
scenario:
  - wait: registered
  - {name: reboot, phones: desk-1, reboot: }
  - {phones: desk-1, wait: registered}
  - {each: pairs, call: peer}
  - {each: pairs, answer: peer}
  - {name: talk, sleep: 1s}
  - {name: audio, each: pairs, check_audio: peer}
  - {each: pairs, hangup: }
`)
	port := freeSIPPort(t)
	f.Network.SIPPortBase = port
	var phones []*fleet.Phone
	var bindErr error
	probed := false
	r := run(t, f, fleet.Options{
		OnDevice: func(p *fleet.Phone) { phones = append(phones, p) },
		Progress: func(p fleet.Progress) {
			if p.Step == "talk" && !probed {
				probed = true
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
				if err == nil {
					c.Close()
				}
				bindErr = err
			}
		},
	})
	if r.Failed() {
		t.Fatalf("%s\n%s", r.Summary, dump(r))
	}
	if !probed || bindErr == nil {
		t.Errorf("127.0.0.1:%d could be bound while the phones talked (probed: %v): the phones are not on a shared socket", port, probed)
	}
	for _, p := range phones {
		s := p.Device.Snapshot()
		if !s.Network.DHCPServer.IsValid() || !f.Network.Addresses.Contains(s.Network.Address.Addr()) {
			t.Errorf("%s: network %+v, want a DHCP lease in %s", p.Spec.ID, s.Network, f.Network.Addresses)
		}
		if got := s.Config.Get("voip/signalling/sip/port"); got != fmt.Sprint(port) {
			t.Errorf("%s: SIP port %q, want %d", p.Spec.ID, got, port)
		}
	}
}
