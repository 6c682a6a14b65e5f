package testpeer

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// LinphoneConfig describes a headless linphonec softphone for a test.
type LinphoneConfig struct {
	// User is the account's user; "" means 1006.
	User string
	// Password is the digest password; "" means pass<User>.
	Password string
	// Domain is the host part of the identity and the digest realm; ""
	// means 127.0.0.1.
	Domain string
	// Registrar is host:port to register with; "" means no account.
	Registrar string
	// Transport is udp (default), tcp or tls.
	Transport string
	// CAFile is the CA of the TLS server.
	CAFile string
	// ToneHz is the tone linphonec plays as microphone; 0 means 600 Hz.
	ToneHz int
	// Codecs are audio codecs to enable first, in priority order, as
	// "MIME/rate" ("G722/8000", "PCMA/8000"); liblinphone keeps its other
	// codecs after them as it has them (G.722 is off by default).
	Codecs []string
	// MediaEncryption is linphone's media_encryption ("srtp" for SDES-SRTP);
	// "" means none.
	MediaEncryption string
	// DTMFInfo sends DTMF as SIP INFO instead of RFC 2833/4733 events.
	DTMFInfo bool
	// QualityCollector, a SIP URI, receives linphone's RFC 6035
	// voice-quality reports (PUBLISH vq-rtcpxr) through its registrar;
	// "" sends none.
	QualityCollector string
}

// Linphone is a running linphonec 5 (liblinphone), driven through its
// standard input, auto-answering, with files as sound card: it plays a tone
// and records what it hears in RecvWAV.
type Linphone struct {
	*Process
	User    string
	SIPAddr string
	RecvWAV string
	stdin   io.WriteCloser
}

// StartLinphone starts linphonec with HOME and its linphonerc (regenerated
// at every start, as linphonec rewrites it) in a temporary directory, and
// waits until it registered.
func StartLinphone(t testing.TB, cfg LinphoneConfig) *Linphone {
	t.Helper()
	bin := Need(t, "linphonec")[0]
	if cfg.User == "" {
		cfg.User = "1006"
	}
	if cfg.Password == "" {
		cfg.Password = "pass" + cfg.User
	}
	if cfg.Transport == "" {
		cfg.Transport = "udp"
	}
	if cfg.Domain == "" {
		cfg.Domain = "127.0.0.1"
	}
	if cfg.ToneHz == 0 {
		cfg.ToneHz = 600
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	// Without this directory linphonec silently never registers ("Unable to
	// open linphone database").
	if err := os.MkdirAll(filepath.Join(home, ".local", "share", "linphone"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t, "tcp")
	udp, tcp, tls := 0, 0, 0
	switch cfg.Transport {
	case "tcp":
		tcp = port
	case "tls":
		tls = port
	default:
		udp = port
	}
	rtp := 30000 + 2*rand.IntN(4000)
	rc := fmt.Sprintf(`[sip]
sip_port=%d
sip_tcp_port=%d
sip_tls_port=%d
bind_address=127.0.0.1
root_ca=%s
verify_server_cn=0
default_proxy=%d
[rtp]
audio_rtp_port=%d-%d
[sound]
echocancellation=0
`, udp, tcp, tls, cfg.CAFile, map[bool]int{true: 0, false: -1}[cfg.Registrar != ""], rtp, rtp+19)
	if cfg.MediaEncryption != "" {
		rc = strings.Replace(rc, "[sip]\n", "[sip]\nmedia_encryption="+cfg.MediaEncryption+"\nmedia_encryption_mandatory=1\n", 1)
	}
	if cfg.DTMFInfo {
		rc = strings.Replace(rc, "[sip]\n", "[sip]\nuse_info=1\nuse_rfc2833=0\n", 1)
	}
	for i, c := range cfg.Codecs {
		mime, rate, _ := strings.Cut(c, "/")
		rc += fmt.Sprintf("[audio_codec_%d]\nmime=%s\nrate=%s\nchannels=1\nenabled=1\n", i, mime, rate)
	}
	if cfg.Registrar != "" {
		rc += fmt.Sprintf(`[proxy_0]
reg_proxy=<sip:%s;transport=%s>
reg_identity=<sip:%s@%s>
reg_route=<sip:%s;transport=%s;lr>
reg_expires=300
reg_sendregister=1
[auth_info_0]
username=%s
passwd=%s
realm=%s
domain=%s
`, cfg.Registrar, cfg.Transport, cfg.User, cfg.Domain, cfg.Registrar, cfg.Transport, cfg.User, cfg.Password, cfg.Domain, cfg.Domain)
		if cfg.QualityCollector != "" {
			rc = strings.Replace(rc, "reg_sendregister=1\n", "reg_sendregister=1\nquality_reporting_enabled=1\nquality_reporting_collector="+cfg.QualityCollector+"\n", 1)
		}
	}
	rcFile := filepath.Join(dir, "linphonerc")
	WriteFile(t, rcFile, rc)
	tone := filepath.Join(dir, "tone.wav")
	writeToneWAV(t, tone, cfg.ToneHz, 8000, 30*time.Second)
	l := &Linphone{User: cfg.User, SIPAddr: "127.0.0.1:" + strconv.Itoa(port), RecvWAV: filepath.Join(dir, "recv.wav")}
	cmd := exec.Command(bin, "-c", rcFile, "-a", "-d", "5", "-l", filepath.Join(dir, "lp.log"))
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.Dir = dir
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	l.stdin = w
	l.Process = StartCmd(t, "linphonec-"+cfg.User, dir, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			// The SIP side of liblinphone's debug log: what it sent and got.
			b, _ := os.ReadFile(filepath.Join(dir, "lp.log"))
			var keep []string
			for _, line := range strings.Split(string(b), "\n") {
				if os.Getenv("LINPHONE_LOG") != "" || strings.Contains(line, "SIP/2.0 ") || strings.Contains(line, "rror") {
					keep = append(keep, line)
				}
			}
			if len(keep) > 200 {
				keep = keep[len(keep)-200:]
			}
			t.Logf("--- linphonec-%s log (SIP lines) ---\n%s", cfg.User, strings.Join(keep, "\n"))
		}
	})
	// linphonec ignores SIGTERM for a while: ask it to quit first.
	t.Cleanup(func() { l.send("quit"); w.Close() })
	// Commands sent before the first prompt can be lost.
	if err := l.WaitOutput("linphonec>", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	l.send("soundcard use files")
	l.send("play " + tone)
	l.send("record " + l.RecvWAV)
	if cfg.Registrar != "" {
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(l.Output(), "registered, identity=") {
			if time.Now().After(deadline) || l.Exited() {
				t.Fatalf("testpeer: linphonec %s did not register\n%s", cfg.User, l.Output())
			}
			l.send("status register")
			time.Sleep(200 * time.Millisecond)
		}
	}
	return l
}

func (l *Linphone) send(line string) {
	fmt.Fprintln(l.stdin, line)
}

// Command sends a linphonec command line ("call sip:…", "answer",
// "terminate", "transfer 1 --to-call 2", "calls").
func (l *Linphone) Command(t testing.TB, line string) {
	t.Helper()
	if l.Exited() {
		t.Fatalf("testpeer: linphonec %s has exited\n%s", l.User, l.Output())
	}
	l.send(line)
}

// WaitOutputAfter waits until linphonec printed substr after the mark (the
// length of Output when the test took it).
func (l *Linphone) WaitOutputAfter(t testing.TB, mark int, substr string, timeout time.Duration) {
	t.Helper()
	err := l.WaitFor(timeout, func() error {
		if out := l.Output(); len(out) >= mark && strings.Contains(out[mark:], substr) {
			return nil
		}
		return fmt.Errorf("no %q yet", substr)
	})
	if err != nil {
		t.Fatal(err)
	}
}
