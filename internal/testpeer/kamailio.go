package testpeer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// KamailioConfig describes a Kamailio registrar/proxy for a test.
type KamailioConfig struct {
	// Users maps user to password; nil means 1001..1010 with password
	// pass<user>.
	Users map[string]string
	// UserRange, when Last > 0, adds users First..Last with password
	// pass<user> (for fleet benchmarks).
	UserRange struct{ First, Last int }
	// CallAuth challenges INVITE, SUBSCRIBE, REFER, MESSAGE… from local
	// users with 407, as a PBX does.
	CallAuth bool
	// RequireClientCert makes the TLS listener demand and verify a client
	// certificate (mutual TLS).
	RequireClientCert bool
	// ClientCAs are more CAs (PEM) whose client certificates the TLS
	// listener accepts, besides the test CA's.
	ClientCAs [][]byte
	// Children is the number of UDP worker processes; 0 means 2. TCP and
	// TLS have one worker (see tcp_children in the configuration).
	Children int
	// SharedMemMB is Kamailio's shared memory; 0 means 64.
	SharedMemMB int
	// PatternPasswords checks every user's digest against the password
	// pass<user> made from the request (pv_auth_check) instead of looking
	// the user up in the db_text table. db_text scans its table for each
	// lookup: at 20,000 users a registration cost Kamailio about 250 µs,
	// and a storm measured that scan rather than its clients.
	PatternPasswords bool
	// FeatureServer, host:port, receives the phones' as-feature-event
	// SUBSCRIBEs (to their own address) after authentication, as a proxy
	// passes them to a BroadWorks application server.
	FeatureServer string
}

// Kamailio is a running Kamailio 5 registrar and proxy on 127.0.0.1: UDP
// and TCP on one port, TLS on another, digest users in a db_text table,
// usrloc in memory, record-routing proxy between registered users. The
// traps of the test bench are avoided: no alias for the bare IP (every test
// UA lives on 127.0.0.1 too), GRUU off, fix_nated_register only for TCP and
// TLS (connection reuse).
type Kamailio struct {
	*Process
	// Domain is the SIP domain Kamailio is authoritative for ("sip.test",
	// an alias): phones use it in their addresses, and Host and the ports
	// as proxy and registrar.
	Domain  string
	Host    string
	Port    int // UDP and TCP
	TLSPort int
	// CAFile is the PEM of the test CA that signed the server certificate
	// (SAN 127.0.0.1, localhost, sip.test) and the client certificate.
	CAFile string
	// ClientCert is a client certificate the CA signed.
	ClientCert tls.Certificate
	ctl        string
}

// StartKamailio starts Kamailio with its state in a temporary directory,
// on free ports, and waits until it listens.
func StartKamailio(t testing.TB, cfg KamailioConfig) *Kamailio {
	t.Helper()
	bins := Need(t, "kamailio", "kamcmd")
	mods, _ := filepath.Glob("/usr/lib/*/kamailio/modules/tls.so")
	if len(mods) == 0 {
		Unavailable(t, "kamailio TLS module (kamailio-tls-modules) is not installed")
	}
	mpath := filepath.Dir(mods[0])
	dir := t.TempDir()
	k := &Kamailio{Domain: "sip.test", Host: "127.0.0.1", ctl: filepath.Join(dir, "kamailio_ctl")}
	k.Port = FreePort(t, "udp")
	for {
		k.TLSPort = FreePort(t, "tcp")
		if k.TLSPort != k.Port {
			break
		}
	}
	pki := makeTestPKI(t, dir)
	k.CAFile = pki.caFile
	k.ClientCert = pki.client

	users := cfg.Users
	if users == nil && cfg.UserRange.Last == 0 {
		users = map[string]string{}
		for u := 1001; u <= 1010; u++ {
			users[strconv.Itoa(u)] = "pass" + strconv.Itoa(u)
		}
	}
	writeKamailioDB(t, dir, k.Host, users, cfg.UserRange.First, cfg.UserRange.Last)
	verify := "no"
	if cfg.RequireClientCert {
		verify = "yes"
	}
	caList := pki.caFile
	if len(cfg.ClientCAs) > 0 {
		ca, err := os.ReadFile(pki.caFile)
		if err != nil {
			t.Fatal(err)
		}
		caList = filepath.Join(dir, "client-cas.crt")
		WriteFile(t, caList, string(bytes.Join(append([][]byte{ca}, cfg.ClientCAs...), []byte("\n"))))
	}
	WriteFile(t, filepath.Join(dir, "tls.cfg"), fmt.Sprintf(`[server:default]
method = TLSv1.2+
verify_certificate = %[1]s
require_certificate = %[1]s
private_key = %[2]s
certificate = %[3]s
ca_list = %[4]s

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`, verify, pki.serverKey, pki.serverCert, caList))
	children := cfg.Children
	if children == 0 {
		children = 2
	}
	conf := filepath.Join(dir, "kamailio.cfg")
	WriteFile(t, conf, kamailioConfig(k, dir, mpath, cfg, children))
	if out, err := runQuiet(bins[0], "-c", "-f", conf); err != nil {
		t.Fatalf("testpeer: kamailio config check: %v\n%s", err, out)
	}
	mem := cfg.SharedMemMB
	if mem == 0 {
		mem = 64
	}
	k.Process = Start(t, "kamailio", dir, bins[0], "-DD", "-E", "-f", conf, "-Y", dir, "-m", strconv.Itoa(mem), "-M", "8")
	k.waitReady(t)
	return k
}

// Restart stops Kamailio and starts it again with the same configuration,
// ports and users (a registrar that went away and came back; its location
// table, kept in memory, starts empty). The new process ends with t.
func (k *Kamailio) Restart(t testing.TB) {
	t.Helper()
	k.Stop()
	k.Process = Start(t, "kamailio", k.Dir, k.cmd.Args...)
	k.waitReady(t)
}

// waitReady waits until Kamailio accepts TLS connections and answers SIP
// over UDP. Its UDP socket being bound is not enough: its workers start
// reading a while after the main process binds it, and a registration sent
// meanwhile waits in the socket's buffer, which on a loaded machine took
// longer than a phone's 500 ms no-response timeout (a CI run's phone found
// the restarted registrar silent).
func (k *Kamailio) waitReady(t testing.TB) {
	t.Helper()
	if err := k.WaitTCP(k.TLSAddr(), 15*time.Second); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := k.WaitFor(15*time.Second, func() error {
		n++
		return k.answersOptions(n)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// answersOptions sends Kamailio an OPTIONS over UDP (its routing answers one
// addressed to itself with 200) and reports whether a response came back.
func (k *Kamailio) answersOptions(n int) error {
	c, err := net.Dial("udp", k.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write([]byte(optionsRequest("UDP", c.LocalAddr().String(), k.Addr(), "ready"+strconv.Itoa(n)))); err != nil {
		return err
	}
	buf := make([]byte, 2048)
	m, err := c.Read(buf)
	if err != nil {
		return fmt.Errorf("no answer to OPTIONS: %w", err)
	}
	if !bytes.HasPrefix(buf[:m], []byte("SIP/2.0 ")) {
		return fmt.Errorf("answer to OPTIONS: %.40q", buf[:m])
	}
	return nil
}

// optionsRequest is an OPTIONS for target (a server's address or domain,
// which it answers itself), sent over transport from via; id makes its
// branch, tag and Call-ID.
func optionsRequest(transport, via, target, id string) string {
	return "OPTIONS sip:" + target + " SIP/2.0\r\n" +
		"Via: SIP/2.0/" + transport + " " + via + ";rport;branch=z9hG4bK" + id + "\r\n" +
		"From: <sip:probe@" + target + ">;tag=" + id + "\r\n" +
		"To: <sip:" + target + ">\r\n" +
		"Call-ID: " + id + "\r\n" +
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
}

// Addr is host:port of the UDP/TCP listener.
func (k *Kamailio) Addr() string { return net.JoinHostPort(k.Host, strconv.Itoa(k.Port)) }

// TLSAddr is host:port of the TLS listener.
func (k *Kamailio) TLSAddr() string { return net.JoinHostPort(k.Host, strconv.Itoa(k.TLSPort)) }

// CAPool returns the test CA as a certificate pool.
func (k *Kamailio) CAPool(t testing.TB) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(k.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(b)
	return p
}

// Contacts returns the contacts Kamailio's location service holds for
// user (from kamcmd ul.dump).
func (k *Kamailio) Contacts(t testing.TB, user string) []string {
	t.Helper()
	out, err := runQuiet("kamcmd", "-s", "unix:"+k.ctl, "ul.dump")
	if err != nil {
		t.Fatalf("testpeer: kamcmd ul.dump: %v\n%s", err, out)
	}
	var contacts []string
	inAOR := false
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "AoR:") {
			inAOR = strings.TrimSpace(strings.TrimPrefix(l, "AoR:")) == user
			continue
		}
		if inAOR && strings.HasPrefix(l, "Address:") {
			contacts = append(contacts, strings.TrimSpace(strings.TrimPrefix(l, "Address:")))
		}
	}
	return contacts
}

// RegisteredCount returns how many AoRs are registered.
func (k *Kamailio) RegisteredCount(t testing.TB) int {
	t.Helper()
	out, err := runQuiet("kamcmd", "-s", "unix:"+k.ctl, "ul.dump", "brief")
	if err != nil {
		t.Fatalf("testpeer: kamcmd ul.dump: %v\n%s", err, out)
	}
	return strings.Count(out, "AoR:")
}

func runQuiet(argv ...string) (string, error) {
	p, err := LookPath(argv[0])
	if err != nil {
		return "", err
	}
	out, err := exec.Command(p, argv[1:]...).CombinedOutput()
	return string(out), err
}

func writeKamailioDB(t testing.TB, dir, domain string, users map[string]string, first, last int) {
	t.Helper()
	db := filepath.Join(dir, "db")
	WriteFile(t, filepath.Join(db, "version"), "id(int,auto) table_name(string) table_version(int) \n0:version:1\n0:subscriber:7\n")
	var b strings.Builder
	b.WriteString("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string) \n")
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	id := 0
	for _, u := range names {
		id++
		fmt.Fprintf(&b, "%d:%s:%s:%s:x:x\n", id, u, domain, users[u])
	}
	if last > 0 {
		for u := first; u <= last; u++ {
			id++
			fmt.Fprintf(&b, "%d:%d:%s:pass%d:x:x\n", id, u, domain, u)
		}
	}
	WriteFile(t, filepath.Join(db, "subscriber"), b.String())
}

func kamailioConfig(k *Kamailio, dir, mpath string, cfg KamailioConfig, children int) string {
	def := ""
	if cfg.CallAuth {
		def = "#!define WITH_CALLAUTH"
	}
	features := ""
	if cfg.FeatureServer != "" {
		features = `	if (is_method("SUBSCRIBE") && $hdr(Event)=="as-feature-event") { $du = "sip:` + cfg.FeatureServer + `"; route(RELAY); }`
	}
	check := `auth_check("$fd", "subscriber", "1")`
	if cfg.PatternPasswords {
		check = `pv_auth_check("$fd", "pass$fU", "0", "1")`
	}
	return fmt.Sprintf(`#!KAMAILIO
%[1]s
debug=2
log_stderror=yes
# Let the UDP receive buffer grow past the 256 KiB default (to what
# net.core.rmem_max allows): a storm of thousands of phones registering at
# once overflows the default and every lost REGISTER waits for its
# retransmission.
maxbuffer=16777216
children=%[8]d
# One TCP/TLS worker: Kamailio 5.6's tls module with OpenSSL 3 corrupts its
# shared memory when two workers run handshakes at once ("digital envelope
# routines::unsupported algorithm", then double frees and a crash; kamailio
# issue #3222). Six clients handshaking in a loop crashed it within a second
# with two workers.
tcp_children=1
auto_aliases=no
alias=%[9]s
listen=udp:%[2]s:%[3]d
listen=tcp:%[2]s:%[3]d
listen=tls:%[2]s:%[4]d
enable_tls=yes
tcp_accept_aliases=yes
mpath="%[5]s/"

loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "nathelper.so"
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "tls.so"
loadmodule "ctl.so"
loadmodule "kex.so"
loadmodule "corex.so"

modparam("ctl", "binrpc", "unix:%[6]s")
modparam("tls", "config", "%[7]s/tls.cfg")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "gruu_enabled", 0)
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("auth_db", "db_url", "text://%[7]s/db")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "use_domain", 0)
modparam("auth_db", "load_credentials", "")

request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (!sanity_check("17895", "7")) exit;
	force_rport();
	if (is_method("OPTIONS") && uri==myself && $rU==$null) { sl_send_reply("200", "Keepalive"); exit; }
	if (has_totag()) {
		# As Kamailio's default configuration: a proxy that record-routed
		# a SUBSCRIBE stays in the dialog a NOTIFY may set up (RFC 6665).
		if (loose_route()) { if (is_method("NOTIFY")) record_route(); route(RELAY); exit; }
		if (is_method("ACK")) { if (t_check_trans()) route(RELAY); exit; }
		sl_send_reply("404", "Not here"); exit;
	}
	if (is_method("CANCEL")) { if (t_check_trans()) route(RELAY); exit; }
	if (!is_method("ACK")) { if (t_precheck_trans()) { t_check_trans(); exit; } t_check_trans(); }
	if (is_method("REGISTER")) {
		if (!%[10]s) { auth_challenge("$fd", "0"); exit; }
		consume_credentials();
		if ($pr != "udp") fix_nated_register();
		if (!save("location")) sl_reply_error();
		exit;
	}
#!ifdef WITH_CALLAUTH
	if (!is_method("ACK|PRACK|BYE") && from_uri==myself) {
		if (!%[10]s) { auth_challenge("$fd", "0"); exit; }
		consume_credentials();
	}
#!endif
	if (is_method("INVITE|SUBSCRIBE|REFER")) record_route();
%[11]s
#!ifdef WITH_CALLAUTH
	# Local users, authenticated above, may call addresses outside the
	# domain (a conference server's own URI), as a PBX's users call out.
	if (uri!=myself && from_uri==myself) route(RELAY);
#!endif
	if (uri!=myself) { sl_send_reply("403", "Relaying denied"); exit; }
	if (is_method("SUBSCRIBE|PUBLISH") && $rU==$fU) { sl_send_reply("489", "Bad Event"); exit; }
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
	route(RELAY);
}

route[RELAY] {
	if (!t_relay()) sl_reply_error();
	exit;
}
`, def, k.Host, k.Port, k.TLSPort, mpath, k.ctl, dir, children, k.Domain, check, features)
}

// testPKI is a CA with a server and a client certificate, as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey string
	client                        tls.Certificate
}

// makeTestPKI makes a throw-away CA in dir: the server certificate names
// 127.0.0.1, localhost and sip.test.
func makeTestPKI(t testing.TB, dir string) testPKI {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hdphone test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, dns []string, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			DNSNames:     dns,
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	srvDER, srvKey := issue(2, "sip.test", x509.ExtKeyUsageServerAuth, []string{"localhost", "sip.test"}, []net.IP{net.ParseIP("127.0.0.1")})
	cliDER, cliKey := issue(3, "phone", x509.ExtKeyUsageClientAuth, nil, nil)
	pemCert := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }
	pemKey := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
	}
	p := testPKI{
		caFile:     filepath.Join(dir, "ca.crt"),
		serverCert: filepath.Join(dir, "server.crt"),
		serverKey:  filepath.Join(dir, "server.key"),
	}
	WriteFile(t, p.caFile, string(pemCert(caDER)))
	WriteFile(t, p.serverCert, string(pemCert(srvDER)))
	WriteFile(t, p.serverKey, string(pemKey(srvKey)))
	p.client, err = tls.X509KeyPair(pemCert(cliDER), pemKey(cliKey))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Stats returns Kamailio's statistics (kamcmd stats.get_statistics all) by
// name, such as "core:rcv_requests" or "tmx:2xx_transactions".
func (k *Kamailio) Stats(t testing.TB) map[string]int64 {
	t.Helper()
	out, err := runQuiet("kamcmd", "-s", "unix:"+k.ctl, "stats.get_statistics", "all")
	if err != nil {
		t.Fatalf("testpeer: kamcmd stats.get_statistics: %v\n%s", err, out)
	}
	stats := map[string]int64{}
	for _, line := range strings.Split(out, "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err == nil {
			stats[strings.TrimSpace(name)] = n
		}
	}
	return stats
}
