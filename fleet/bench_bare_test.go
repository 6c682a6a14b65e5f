package fleet_test

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/proctest"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// BenchmarkBareRegisterKamailio: the least a registration costs a client
// built as a fleet's phones are (one goroutine and one UDP socket on its own
// loopback address per user) at the same Kamailio as
// BenchmarkBootStormKamailio/auth=pattern, with SIPp's best rate in the
// same run. It is no phone: no boot, no state, no transaction layer, one
// hand-written REGISTER answered by a challenge and sent again with its
// digest. It is the floor under the phones' rate: what separates the
// phones from SIPp beyond this is the phone, not its own addresses and
// sockets.
//
// limit=N/ keeps at most N registrations in flight, each from its own
// socket, as boot.concurrency bounds a fleet's storm.
//
// shared/ sends every user's requests from one socket on one address, read
// by one goroutine that hands each response to its user's goroutine, with
// at most bareInFlight registrations in flight, as SIPp does: what the
// fleet's own sockets and their readers cost a registration in Go, against
// limit=.
func BenchmarkBareRegisterKamailio(b *testing.B) {
	for _, v := range []struct {
		prefix string
		limit  int
		shared bool
	}{{"", 0, false}, {fmt.Sprintf("limit=%d/", bareInFlight), bareInFlight, false}, {"shared/", bareInFlight, true}} {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%susers=%d", v.prefix, n), func(b *testing.B) { bareStorm(b, n, v.limit, v.shared) })
		}
	}
}

// bareStorm registers n bare clients at once, or limit at a time, each
// from its own socket or all through one.
func bareStorm(b *testing.B, n, limit int, shared bool) {
	proctest.RaiseFiles(b, n+1000)
	k := testpeer.StartKamailio(b, testpeer.KamailioConfig{
		UserRange: struct{ First, Last int }{100000, 100000 + 2*n}, Children: 4, SharedMemMB: 256,
		PatternPasswords: true})
	server := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(k.Addr()))
	for range b.N {
		base := netip.MustParsePrefix(benchAddresses()).Addr()
		var mux *bareMux
		if shared {
			var err error
			if mux, err = newBareMux(base); err != nil {
				b.Fatal(err)
			}
		}
		var r0, r1 syscall.Rusage
		kam0 := readKamailio(b, k)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		start := time.Now()
		var wg sync.WaitGroup
		var failed atomic.Int64
		var firstErr atomic.Pointer[error]
		var slots chan struct{}
		if limit > 0 {
			slots = make(chan struct{}, limit)
		}
		for i := range n {
			if slots != nil {
				slots <- struct{}{}
			}
			wg.Go(func() {
				var err error
				if mux != nil {
					err = mux.register(server, k.Domain, 100000+i)
				} else {
					err = bareRegister(server, k.Domain, bareAddress(base, i), 100000+i)
				}
				if slots != nil {
					<-slots
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, &err)
				}
			})
		}
		wg.Wait()
		wall := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		kam := readKamailio(b, k).sub(kam0)
		if mux != nil {
			mux.c.Close()
		}
		if f := failed.Load(); f > 0 {
			b.Fatalf("%d of %d registrations failed; first: %v", f, n, *firstErr.Load())
		}
		rate := float64(n) / wall.Seconds()
		sipp := testpeer.SIPpBestRegisterRate(b, k, n, 100000+n)
		b.ReportMetric(rate, "reg/s")
		b.ReportMetric(cpuSeconds(r0, r1)*1e6/float64(n), "cpu-µs/user")
		b.ReportMetric(float64(r1.Stime.Nano()-r0.Stime.Nano())/1e3/float64(n), "sys-µs/user")
		b.ReportMetric(float64(r1.Minflt-r0.Minflt)/float64(n), "faults/user")
		b.ReportMetric(sipp.PerSec, "sipp-reg/s")
		b.ReportMetric(rate/sipp.PerSec, "ratio-vs-sipp")
		// Kamailio's work for each side, as the phones' storm reports it.
		b.ReportMetric(float64(kam.cpu.Microseconds())/float64(n), "kam-cpu-µs/user")
		b.ReportMetric(float64(sipp.KamCPU.Microseconds())/float64(n), "kam-cpu-µs/sipp-user")
		b.ReportMetric(float64(kam.requests)/float64(n), "kam-req/user")
	}
}

// bareInFlight is how many registrations the limit= and shared/ storms
// keep in flight, as SIPp keeps 50-100 at its best. Through one socket
// with all 10,000 at once they took 103-131 µs a user, 0.63-0.77 of SIPp,
// with few retransmissions (2.0-2.2 requests a user).
const bareInFlight = 100

// bareAddress is the i-th address after base (a /16's first).
func bareAddress(base netip.Addr, i int) netip.Addr {
	a := base.As4()
	a[2], a[3] = byte((i+1)>>8), byte(i+1)
	return netip.AddrFrom4(a)
}

// errBareNoAnswer is a bare registration that got no answer.
var errBareNoAnswer = errors.New("no answer")

// bareRegister registers user (password pass<user>) from its own socket on
// local: REGISTER, 401, REGISTER with the digest, 200. Requests are sent
// again every 500 ms (T1) while unanswered, as a phone would.
func bareRegister(server *net.UDPAddr, domain string, local netip.Addr, user int) error {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 2048)
	send := func(msg []byte) (string, error) {
		for range 7 {
			if _, err := c.WriteToUDP(msg, server); err != nil {
				return "", err
			}
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			n, _, err := c.ReadFromUDP(buf)
			if err == nil {
				return string(buf[:n]), nil
			}
			if !isTimeout(err) {
				return "", err
			}
		}
		return "", errBareNoAnswer
	}
	return bareExchange(domain, c.LocalAddr().(*net.UDPAddr).AddrPort(), user, send)
}

// bareExchange is a registration's two transactions, each through send
// (which returns the response).
func bareExchange(domain string, local netip.AddrPort, user int, send func([]byte) (string, error)) error {
	request := func(cseq int, auth string) []byte {
		return fmt.Appendf(nil, "REGISTER sip:%[1]s SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %[2]s:%[3]d;branch=z9hG4bK-%[4]d-%[5]d;rport\r\n"+
			"Max-Forwards: 70\r\n"+
			"From: <sip:%[4]d@%[1]s>;tag=%[4]d\r\n"+
			"To: <sip:%[4]d@%[1]s>\r\n"+
			"Call-ID: %[4]d@%[2]s\r\n"+
			"CSeq: %[5]d REGISTER\r\n"+
			"Contact: <sip:%[4]d@%[2]s:%[3]d>\r\n"+
			"Expires: 3600\r\n%[6]sContent-Length: 0\r\n\r\n", domain, local.Addr(), local.Port(), user, cseq, auth)
	}
	resp, err := send(request(1, ""))
	if err != nil {
		return err
	}
	_, rest, ok := strings.Cut(resp, `nonce="`)
	nonce, _, ok2 := strings.Cut(rest, `"`)
	if !strings.HasPrefix(resp, "SIP/2.0 401") || !ok || !ok2 {
		return fmt.Errorf("user %d: no challenge: %.40q", user, resp)
	}
	hash := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	ha1 := hash(fmt.Sprintf("%d:%s:pass%d", user, domain, user))
	ha2 := hash("REGISTER:sip:" + domain)
	auth := fmt.Sprintf("Authorization: Digest username=\"%d\", realm=\"%s\", nonce=\"%s\", uri=\"sip:%s\", response=\"%s\", algorithm=MD5\r\n",
		user, domain, nonce, domain, hash(ha1+":"+nonce+":"+ha2))
	if resp, err = send(request(2, auth)); err != nil {
		return err
	}
	if !strings.HasPrefix(resp, "SIP/2.0 200") {
		return fmt.Errorf("user %d: %.40q", user, resp)
	}
	return nil
}

// bareMux is one socket for every user of a shared/ storm: one goroutine
// reads it and hands each response to the user whose Call-ID it carries.
type bareMux struct {
	c       *net.UDPConn
	local   netip.AddrPort
	mu      sync.Mutex
	waiting map[string]chan string
}

func newBareMux(local netip.Addr) (*bareMux, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		return nil, err
	}
	c.SetReadBuffer(4 << 20)
	m := &bareMux{c: c, local: c.LocalAddr().(*net.UDPAddr).AddrPort(), waiting: map[string]chan string{}}
	go m.read() // ends when the benchmark closes c
	return m, nil
}

func (m *bareMux) read() {
	buf := make([]byte, 2048)
	for {
		n, _, err := m.c.ReadFromUDP(buf)
		if err != nil {
			return
		}
		resp := string(buf[:n])
		_, rest, _ := strings.Cut(resp, "Call-ID: ")
		id, _, _ := strings.Cut(rest, "\r\n")
		m.mu.Lock()
		ch := m.waiting[id]
		m.mu.Unlock()
		if ch != nil {
			select {
			case ch <- resp:
			default: // an answer to a retransmission
			}
		}
	}
}

// register is bareRegister through the shared socket.
func (m *bareMux) register(server *net.UDPAddr, domain string, user int) error {
	id := fmt.Sprintf("%d@%s", user, m.local.Addr())
	ch := make(chan string, 1)
	m.mu.Lock()
	m.waiting[id] = ch
	m.mu.Unlock()
	defer func() { m.mu.Lock(); delete(m.waiting, id); m.mu.Unlock() }()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	send := func(msg []byte) (string, error) {
		for range 7 {
			if _, err := m.c.WriteToUDP(msg, server); err != nil {
				return "", err
			}
			t.Reset(500 * time.Millisecond)
			for waiting := true; waiting; {
				select {
				case resp := <-ch:
					// Not a late answer to the previous transaction.
					if cseqOf(resp) == cseqOf(string(msg)) {
						return resp, nil
					}
				case <-t.C:
					waiting = false
				}
			}
		}
		return "", errBareNoAnswer
	}
	return bareExchange(domain, m.local, user, send)
}

// cseqOf is a message's CSeq value.
func cseqOf(msg string) string {
	_, rest, _ := strings.Cut(msg, "CSeq: ")
	v, _, _ := strings.Cut(rest, "\r\n")
	return v
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
