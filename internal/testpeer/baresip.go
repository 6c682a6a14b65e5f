package testpeer

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BaresipConfig describes a headless baresip softphone for a test.
type BaresipConfig struct {
	// User is the account's user; "" means 1002.
	User string
	// Password is the digest password; "" means pass<User>.
	Password string
	// Domain is the host part of the account's address; "" means the
	// registrar's host, or 127.0.0.1.
	Domain string
	// Registrar is host:port of the server to register with and use as
	// outbound proxy; "" means no registration (calls by IP only).
	Registrar string
	// Transport is udp (default), tcp or tls.
	Transport string
	// ManualAnswer leaves incoming calls ringing until Accept; otherwise
	// baresip answers at once.
	ManualAnswer bool
	// CAFile is the CA that signs the TLS server's certificate.
	CAFile string
	// ToneHz is the frequency of the sine baresip sends as its microphone;
	// 0 means 1000 Hz.
	ToneHz int
	// Modules are extra modules to load ("g722.so", "srtp.so").
	Modules []string
	// MediaEnc is the account's media encryption (mediaenc=): "srtp"
	// (SDES-SRTP when the far end offers it), "srtp-mand" (RTP/SAVP only);
	// it needs the srtp.so module. "" means none.
	MediaEnc string
}

// Baresip is a running baresip 1.0 (ctrl_tcp driven, ALSA null output,
// a WAV tone as microphone, every call recorded in RecDir by the sndfile
// module: dump-*-dec.wav is what it heard).
type Baresip struct {
	*Process
	User string
	// SIPAddr is where baresip listens for SIP (UDP and TCP; TLS on the next
	// port).
	SIPAddr string
	// URI is the account's address of record.
	URI    string
	RecDir string

	conn    net.Conn
	mu      sync.Mutex // guards the following fields
	events  []BaresipEvent
	waiters map[string]chan baresipMsg
	newEv   chan struct{}
	nextTok int
}

// BaresipEvent is an event baresip reports on ctrl_tcp (CALL_INCOMING,
// CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK, TRANSFER, …).
type BaresipEvent struct {
	Type      string `json:"type"`
	Class     string `json:"class"`
	AOR       string `json:"accountaor"`
	Direction string `json:"direction"`
	PeerURI   string `json:"peeruri"`
	ID        string `json:"id"`
	Param     string `json:"param"`
}

type baresipMsg struct {
	Event    bool   `json:"event"`
	Response bool   `json:"response"`
	OK       bool   `json:"ok"`
	Data     string `json:"data"`
	Token    string `json:"token"`
	BaresipEvent
}

// StartBaresip starts baresip with its state in a temporary directory and
// waits until its control port answers (and, with a registrar, until it
// registered).
func StartBaresip(t testing.TB, cfg BaresipConfig) *Baresip {
	t.Helper()
	bin := Need(t, "baresip")[0]
	if _, err := os.Stat("/usr/lib/baresip/modules/ctrl_tcp.so"); err != nil {
		Unavailable(t, "baresip modules are not installed")
	}
	if cfg.User == "" {
		cfg.User = "1002"
	}
	if cfg.Password == "" {
		cfg.Password = "pass" + cfg.User
	}
	if cfg.Transport == "" {
		cfg.Transport = "udp"
	}
	if cfg.Domain == "" {
		cfg.Domain = "127.0.0.1"
		if cfg.Registrar != "" {
			cfg.Domain, _, _ = net.SplitHostPort(cfg.Registrar)
		}
	}
	if cfg.ToneHz == 0 {
		cfg.ToneHz = 1000
	}
	dir := t.TempDir()
	sipPort := FreePort(t, "udp")
	for !portFree("tcp4", sipPort+1) {
		sipPort = FreePort(t, "udp")
	}
	ctrlPort := FreePort(t, "tcp")
	rtp := 20000 + 2*rand.IntN(4000)
	b := &Baresip{User: cfg.User, SIPAddr: "127.0.0.1:" + strconv.Itoa(sipPort), RecDir: filepath.Join(dir, "rec"),
		waiters: map[string]chan baresipMsg{}, newEv: make(chan struct{}, 1)}
	if err := os.MkdirAll(b.RecDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tone := filepath.Join(dir, "tone.wav")
	writeToneWAV(t, tone, cfg.ToneHz, 8000, 30*time.Second)
	WriteFile(t, filepath.Join(dir, "config"), fmt.Sprintf(`poll_method		epoll
net_interface		127.0.0.1
sip_listen		127.0.0.1:%d
sip_cafile		%s
call_local_timeout	120
call_max_calls		4
audio_player		alsa,null
audio_alert		alsa,null
audio_source		aufile,%s
ausrc_srate		8000
ausrc_channels		1
rtp_ports		%d-%d
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			alsa.so
module			sndfile.so
snd_path		%s
%[8]smodule_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:%[7]d
`, sipPort, cfg.CAFile, tone, rtp, rtp+39, b.RecDir, ctrlPort, extraModules(cfg.Modules)))
	acc := "<sip:" + cfg.User + "@" + cfg.Domain
	if cfg.Transport != "udp" {
		acc += ";transport=" + cfg.Transport
	}
	answer := "auto"
	if cfg.ManualAnswer {
		answer = "manual"
	}
	acc += ">;auth_pass=" + cfg.Password + ";answermode=" + answer
	if cfg.MediaEnc != "" {
		acc += ";mediaenc=" + cfg.MediaEnc
	}
	if cfg.Registrar == "" {
		acc += ";regint=0"
	} else {
		acc += ";outbound=\"sip:" + cfg.Registrar + ";transport=" + cfg.Transport + "\";regint=300"
	}
	b.URI = "sip:" + cfg.User + "@" + cfg.Domain
	WriteFile(t, filepath.Join(dir, "accounts"), acc+"\n")
	WriteFile(t, filepath.Join(dir, "contacts"), "")
	b.Process = Start(t, "baresip-"+cfg.User, dir, bin, "-f", dir, "-s")
	ctrl := "127.0.0.1:" + strconv.Itoa(ctrlPort)
	if err := b.WaitTCP(ctrl, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", ctrl)
	if err != nil {
		t.Fatal(err)
	}
	b.conn = c
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.read(bufio.NewReader(c))
	}()
	t.Cleanup(func() { c.Close(); <-done })
	if cfg.Registrar != "" {
		// REGISTER_OK may come before the control connection: ask instead.
		deadline := time.Now().Add(10 * time.Second)
		for {
			info := b.Command(t, "reginfo", "")
			if strings.Contains(info, "OK") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testpeer: baresip %s did not register: %q\n%s", cfg.User, info, b.Output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return b
}

func extraModules(mods []string) string {
	var b strings.Builder
	for _, m := range mods {
		b.WriteString("module\t\t\t" + m + "\n")
	}
	return b.String()
}

// read parses ctrl_tcp's netstrings ("len:json,") until the connection
// closes.
func (b *Baresip) read(r *bufio.Reader) {
	for {
		n, err := r.ReadString(':')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n[:len(n)-1]))
		if err != nil || size < 0 || size > 1<<20 {
			return
		}
		buf := make([]byte, size+1)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		var m baresipMsg
		if err := json.Unmarshal(buf[:size], &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.Response {
			if w, ok := b.waiters[m.Token]; ok {
				w <- m
				delete(b.waiters, m.Token)
			}
		} else if m.Event {
			b.events = append(b.events, m.BaresipEvent)
			select {
			case b.newEv <- struct{}{}:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// Command runs a ctrl_tcp command (dial, hangup, accept, listcalls,
// reginfo, transfer, …) and returns its response data.
func (b *Baresip) Command(t testing.TB, cmd, params string) string {
	t.Helper()
	b.mu.Lock()
	b.nextTok++
	tok := "t" + strconv.Itoa(b.nextTok)
	w := make(chan baresipMsg, 1)
	b.waiters[tok] = w
	b.mu.Unlock()
	js, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": tok})
	if _, err := fmt.Fprintf(b.conn, "%d:%s,", len(js), js); err != nil {
		t.Fatalf("testpeer: baresip %s: %v", cmd, err)
	}
	select {
	case m := <-w:
		if !m.OK {
			t.Fatalf("testpeer: baresip %s %s: %s", cmd, params, m.Data)
		}
		return m.Data
	case <-time.After(10 * time.Second):
		t.Fatalf("testpeer: baresip %s: no response\n%s", cmd, b.Output())
	}
	return ""
}

// Dial calls uri.
func (b *Baresip) Dial(t testing.TB, uri string) { t.Helper(); b.Command(t, "dial", uri) }

// Hangup ends the current call.
func (b *Baresip) Hangup(t testing.TB) { t.Helper(); b.Command(t, "hangup", "") }

// Accept answers the ringing call.
func (b *Baresip) Accept(t testing.TB) { t.Helper(); b.Command(t, "accept", "") }

// WaitEvent waits for an event of type typ (seen since start, once each)
// and returns it.
func (b *Baresip) WaitEvent(t testing.TB, typ string, timeout time.Duration) BaresipEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		for i, e := range b.events {
			if e.Type == typ {
				b.events = append(b.events[:i], b.events[i+1:]...)
				b.mu.Unlock()
				return e
			}
		}
		seen := make([]string, 0, len(b.events))
		for _, e := range b.events {
			seen = append(seen, e.Type)
		}
		b.mu.Unlock()
		select {
		case <-b.newEv:
		case <-deadline:
			t.Fatalf("testpeer: baresip %s: no %s event within %s (pending: %v)", b.User, typ, timeout, seen)
		}
	}
}

// writeToneWAV writes a mono 16-bit PCM WAV of a sine at hz.
func writeToneWAV(t testing.TB, path string, hz, rate int, d time.Duration) {
	t.Helper()
	n := int(d.Seconds() * float64(rate))
	data := make([]byte, 44+2*n)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1)
	binary.LittleEndian.PutUint16(data[22:], 1)
	binary.LittleEndian.PutUint32(data[24:], uint32(rate))
	binary.LittleEndian.PutUint32(data[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(data[32:], 2)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(0.5 * 32767 * math.Sin(2*math.Pi*float64(hz)*float64(i)/float64(rate)))
		binary.LittleEndian.PutUint16(data[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
