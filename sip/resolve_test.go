package sip_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// startDNSMasq runs dnsmasq as a DNS server only (no DHCP) with the given
// record lines, on a free port, and returns its address.
func startDNSMasq(t *testing.T, lines ...string) string {
	t.Helper()
	bin := testpeer.Need(t, "dnsmasq")[0]
	dir := t.TempDir()
	port := testpeer.FreePort(t, "udp")
	conf := filepath.Join(dir, "dnsmasq.conf")
	// local=/test/: authoritative for the test names (NXDOMAIN, not REFUSED).
	body := fmt.Sprintf("port=%d\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nlog-queries\nlocal=/test/\n", port)
	for _, l := range lines {
		body += l + "\n"
	}
	testpeer.WriteFile(t, conf, body)
	p := testpeer.Start(t, "dnsmasq", dir, bin, "-k", "--conf-file="+conf, "--log-facility=-", "--pid-file="+filepath.Join(dir, "pid"))
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := p.WaitUDPBound(addr, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return addr
}

// zone is a tiny in-process DNS server (miekg/dns) for the cases a real
// server makes awkward.
func startZone(t *testing.T, rrs ...string) string {
	t.Helper()
	var records []dns.RR
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		found := false
		for _, rr := range records {
			if rr.Header().Name == q.Name {
				found = true
				if rr.Header().Rrtype == q.Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		if !found {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func resolve(t *testing.T, r sip.Resolver, s sip.Server, tr sip.Transport) []string {
	t.Helper()
	ts, err := r.Resolve(context.Background(), s, tr)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range ts {
		out = append(out, x.String())
	}
	return out
}

func TestResolveWithDNSMasq(t *testing.T) {
	dnsAddr := startDNSMasq(t,
		"naptr-record=pbx.test,10,50,s,SIP+D2U,,_sip._udp.pbx.test",
		"naptr-record=pbx.test,20,50,s,SIP+D2T,,_sip._tcp.pbx.test",
		"srv-host=_sip._udp.pbx.test,b.pbx.test,5070,20,10",
		"srv-host=_sip._udp.pbx.test,a.pbx.test,5060,10,10",
		"srv-host=_sip._tcp.pbx.test,a.pbx.test,5062,10,10",
		"srv-host=_sips._tcp.tls.test,a.pbx.test,5061,10,10",
		"host-record=a.pbx.test,127.0.0.11",
		"host-record=b.pbx.test,127.0.0.12",
		"host-record=plain.test,127.0.0.13",
	)
	r := &sip.DNSResolver{Servers: []string{dnsAddr}}
	cases := []struct {
		name string
		s    sip.Server
		tr   sip.Transport
		want []string
	}{
		{"NAPTR then SRV by priority", sip.Server{Host: "pbx.test"}, sip.UDP, []string{"udp:127.0.0.11:5060", "udp:127.0.0.12:5070"}},
		{"NAPTR for TCP", sip.Server{Host: "pbx.test"}, sip.TCP, []string{"tcp:127.0.0.11:5062"}},
		{"SRV without NAPTR, sips", sip.Server{Host: "tls.test"}, sip.TLS, []string{"tls:127.0.0.11:5061"}},
		{"A only", sip.Server{Host: "plain.test"}, sip.UDP, []string{"udp:127.0.0.13:5060"}},
		{"explicit port skips SRV", sip.Server{Host: "a.pbx.test", Port: 5080}, sip.UDP, []string{"udp:127.0.0.11:5080"}},
		{"IP literal", sip.Server{Host: "127.0.0.9"}, sip.TLS, []string{"tls:127.0.0.9:5061"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(t, r, tc.s, tc.tr)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := r.Resolve(context.Background(), sip.Server{Host: "nowhere.test"}, sip.UDP); err == nil {
		t.Fatal("an unknown name resolved")
	}
}

func TestResolveLyncSRVAndWeights(t *testing.T) {
	dnsAddr := startZone(t,
		"_sip._tls.corp.test. 60 IN SRV 0 0 5061 fe.corp.test.",
		"fe.corp.test. 60 IN A 127.0.0.21",
		"_sip._udp.w.test. 60 IN SRV 10 0 5060 x.w.test.",
		"_sip._udp.w.test. 60 IN SRV 10 65535 5060 y.w.test.",
		"x.w.test. 60 IN A 127.0.0.31",
		"y.w.test. 60 IN A 127.0.0.32",
	)
	r := &sip.DNSResolver{Servers: []string{dnsAddr}}
	// No _sips._tcp record: the Lync form _sip._tls is used.
	if got := resolve(t, r, sip.Server{Host: "corp.test"}, sip.TLS); fmt.Sprint(got) != "[tls:127.0.0.21:5061]" {
		t.Fatalf("lync form: %v", got)
	}
	// RFC 2782: the heavy record comes first nearly always.
	first := map[string]int{}
	for range 200 {
		first[resolve(t, r, sip.Server{Host: "w.test"}, sip.UDP)[0]]++
	}
	if first["udp:127.0.0.32:5060"] < 190 || first["udp:127.0.0.31:5060"] == 200 {
		t.Fatalf("weighted order: %v", first)
	}
}

// A registrar name with two SRV targets, the first dead: the phone skips
// it after the no-response timeout and registers with the second, then
// keeps the dead one last while it is marked failed.
func TestRegisterFailsOverAcrossSRVTargets(t *testing.T) {
	lab := startLab(t, sipproxy.Config{Domain: "pbx.test"})
	dead := silentPort(t)
	dnsAddr := startDNSMasq(t,
		"srv-host=_sip._udp.pbx.test,dead.pbx.test,"+strconv.Itoa(dead)+",10,10",
		"srv-host=_sip._udp.pbx.test,live.pbx.test,"+strconv.Itoa(int(lab.Addr().Port()))+",20,10",
		"host-record=dead.pbx.test,127.0.0.1",
		"host-record=live.pbx.test,127.0.0.1",
	)
	cfg := sip.Config{
		User: "1001", Password: "pass1001", Domain: "pbx.test",
		Resolver:          &sip.DNSResolver{Servers: []string{dnsAddr}},
		NoResponseTimeout: 300 * time.Millisecond,
	}
	p := startUA(t, cfg)
	if err := p.Register(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegRegistered })
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), lab.Addr().Port())
	if ev.Server != "udp:"+want.String() {
		t.Fatalf("registered via %s, want %s", ev.Server, want)
	}
	// Registering again goes straight to the live server.
	start := time.Now()
	if err := p.Unregister(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("unregister took %s: the failed target was tried again", d)
	}
}
