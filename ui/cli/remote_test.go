package cli_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/ui/cli"
)

// waitAddr waits until the console's service listens (or stops listening).
func waitAddr(t *testing.T, get func() net.Addr, on bool) net.Addr {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := get()
		if (a != nil) == on {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("service listening=%v, want %v", a != nil, on)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// telnetClient is a minimal Telnet client: it agrees to the phone's
// options, reports a window size, and collects the text.
type telnetClient struct {
	t    *testing.T
	conn net.Conn
	text bytes.Buffer
	// seen records the option commands the phone sent.
	seen [][3]byte
}

func dialTelnet(t *testing.T, addr string) *telnetClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &telnetClient{t: t, conn: c}
}

// readUntil reads until the text holds want; it fails after 5 s.
func (c *telnetClient) readUntil(want string) string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	state := 0
	var verb byte
	for !strings.Contains(c.text.String(), want) {
		n, err := c.conn.Read(buf)
		if err != nil {
			c.t.Fatalf("reading for %q: %v; got %q", want, err, c.text.String())
		}
		for _, b := range buf[:n] {
			switch state {
			case 0:
				if b == 255 {
					state = 1
					continue
				}
				c.text.WriteByte(b)
			case 1:
				if b >= 251 && b <= 254 {
					verb, state = b, 2
					continue
				}
				if b == 255 {
					c.text.WriteByte(255)
				}
				state = 0
			case 2:
				c.seen = append(c.seen, [3]byte{255, verb, b})
				c.answer(verb, b)
				state = 0
			}
		}
	}
	// Keep what came after the match for the next read.
	s := c.text.String()
	i := strings.Index(s, want) + len(want)
	c.text.Reset()
	c.text.WriteString(s[i:])
	return s[:i]
}

func (c *telnetClient) answer(verb, opt byte) {
	switch {
	case verb == 251: // WILL x → DO x
		c.conn.Write([]byte{255, 253, opt})
	case verb == 253 && opt == 31: // DO NAWS → WILL NAWS, then 100x40
		c.conn.Write([]byte{255, 251, 31, 255, 250, 31, 0, 100, 0, 40, 255, 240})
	case verb == 253 && opt == 3:
		c.conn.Write([]byte{255, 251, 3})
	case verb == 253: // refuse the rest
		c.conn.Write([]byte{255, 252, opt})
	}
}

func (c *telnetClient) send(line string) {
	c.conn.Write([]byte(line + "\r\n"))
}

// behaviour: AUTH-4
func TestTelnetOffByDefaultThenChangesAParameter(t *testing.T) {
	tp := start(t, opts{})
	if tp.console.TelnetAddr() != nil {
		t.Fatal("Telnet listens by default")
	}
	tp.apply(t, "management/telnet/enabled=1\n")
	addr := waitAddr(t, tp.console.TelnetAddr, true).String()

	c := dialTelnet(t, addr)
	c.readUntil("Username: ")
	want := map[[3]byte]bool{{255, 251, 1}: true, {255, 251, 3}: true, {255, 253, 31}: true}
	for _, s := range c.seen {
		delete(want, s)
	}
	if len(want) != 0 {
		t.Fatalf("phone did not offer %v; sent %v", want, c.seen)
	}
	c.send("admin")
	c.readUntil("Password: ")
	c.send("1234")
	c.readUntil("450HD> ")
	c.send("set voip/media/media_port 6004")
	out := c.readUntil("450HD> ")
	if !strings.Contains(out, "voip/media/media_port=6004") {
		t.Fatalf("set output %q", out)
	}
	if got := tp.phone.Snapshot().Config.Get("voip/media/media_port"); got != "6004" {
		t.Fatalf("media_port %q after telnet set", got)
	}
	c.send("show status")
	if out := c.readUntil("450HD> "); !strings.Contains(out, "model:     450HD") {
		t.Fatalf("show status %q", out)
	}

	// Turning Telnet off ends the session and closes the port, no reboot.
	tp.apply(t, "management/telnet/enabled=0\n")
	waitAddr(t, tp.console.TelnetAddr, false)
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Read(make([]byte, 64)); err == nil {
		// Data may still be in flight; the next read must end.
		if _, err := c.conn.Read(make([]byte, 64)); err == nil {
			t.Fatal("session still open after Telnet was turned off")
		}
	}
	if cn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		cn.Close()
		t.Fatal("Telnet port still accepts connections")
	}
	if tp.phone.Snapshot().BootCount != 1 {
		t.Fatal("toggling Telnet rebooted the phone")
	}
}

func TestTelnetWrongPasswordsEndTheConnection(t *testing.T) {
	tp := start(t, opts{config: "management/telnet/enabled=1\nsystem/password=secret\n"})
	addr := waitAddr(t, tp.console.TelnetAddr, true).String()
	c := dialTelnet(t, addr)
	for i := 0; i < 3; i++ {
		c.readUntil("Username: ")
		c.send("admin")
		c.readUntil("Password: ")
		c.send("1234")
	}
	c.readUntil("Too many failures")
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := c.conn.Read(make([]byte, 64)); err != nil {
			break
		}
	}
	// The user account cannot log in to Telnet (admin pair only).
	c2 := dialTelnet(t, addr)
	c2.readUntil("Username: ")
	c2.send("user")
	c2.readUntil("Password: ")
	c2.send("1234")
	c2.readUntil("Login incorrect")
	c2.readUntil("Username: ")
	c2.send("admin")
	c2.readUntil("Password: ")
	c2.send("secret")
	c2.readUntil("450HD> ")
}

// busybox telnet is an independent Telnet client: it negotiates options
// itself and types what it reads on stdin.
// behaviour: AUTH-4
func TestTelnetWithBusybox(t *testing.T) {
	bb := testpeer.Need(t, "busybox")[0]
	tp := start(t, opts{config: "management/telnet/enabled=1\n"})
	addr := waitAddr(t, tp.console.TelnetAddr, true).(*net.TCPAddr)
	ctx, cancel := context.WithTimeout(tp.ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bb, "telnet", "127.0.0.1", strconv.Itoa(addr.Port))
	stdin, _ := cmd.StdinPipe()
	var out syncBuf
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	step := func(want, send string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("busybox telnet: no %q in %q", want, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		out.Reset()
		stdin.Write([]byte(send + "\n"))
	}
	step("Username: ", "admin")
	step("Password: ", "1234")
	step("450HD> ", "set voip/media/media_port 6006")
	step("voip/media/media_port=6006", "exit")
	cmd.Wait()
	if got := tp.phone.Snapshot().Config.Get("voip/media/media_port"); got != "6006" {
		t.Fatalf("media_port %q after busybox telnet", got)
	}
}

// behaviour: AUTH-5
func TestSSHChangesAParameter(t *testing.T) {
	fl := flash.NewMemory()
	tp := start(t, opts{flash: fl})
	if tp.console.SSHAddr() != nil {
		t.Fatal("SSH listens by default")
	}
	tp.apply(t, "management/ssh/enabled=1\n")
	addr := waitAddr(t, tp.console.SSHAddr, true).String()

	var hostKey ssh.PublicKey
	conf := &ssh.ClientConfig{
		User: "admin",
		Auth: []ssh.AuthMethod{ssh.Password("1234")},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			hostKey = k
			return nil
		},
		Timeout: 5 * time.Second,
	}
	client, err := ssh.Dial("tcp", addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if v := string(client.ServerVersion()); v != "SSH-2.0-AudioCodes_450HD" {
		t.Fatalf("server version %q", v)
	}

	// exec: one command.
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("set voip/media/media_port 6008")
	if err != nil || !strings.Contains(string(out), "voip/media/media_port=6008") {
		t.Fatalf("exec: %q, %v", out, err)
	}
	if got := tp.phone.Snapshot().Config.Get("voip/media/media_port"); got != "6008" {
		t.Fatalf("media_port %q after ssh set", got)
	}
	sess, _ = client.NewSession()
	if err := sess.Run("set network/lan/vlan/id 9999"); err == nil {
		t.Fatal("a refused set exited 0")
	}

	// An interactive shell on a pty.
	sess, _ = client.NewSession()
	if err := sess.RequestPty("xterm", 40, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var buf syncBuf
	sess.Stdout = &buf
	in, _ := sess.StdinPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitText(t, &buf, "450HD> ")
	in.Write([]byte("show config voip/media/media_port\r"))
	waitText(t, &buf, `voip/media/media_port=6008 (set; default "4000")`)
	in.Write([]byte("exit\r"))
	if err := sess.Wait(); err != nil {
		t.Fatalf("shell exit: %v", err)
	}

	// Wrong password, and the user account: refused.
	for _, auth := range []struct{ user, pass string }{{"admin", "wrong"}, {"user", "1234"}} {
		bad := *conf
		bad.User = auth.user
		bad.Auth = []ssh.AuthMethod{ssh.Password(auth.pass)}
		if c, err := ssh.Dial("tcp", addr, &bad); err == nil {
			c.Close()
			t.Fatalf("ssh login as %s/%s accepted", auth.user, auth.pass)
		}
	}

	// The host key is the phone's own, kept in flash.
	stored, err := fl.Read(cli.RecordSSHHostKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(stored)
	if err != nil || !bytes.Equal(signer.PublicKey().Marshal(), hostKey.Marshal()) {
		t.Fatalf("served host key differs from flash (%v)", err)
	}
	// A factory reset keeps the host key (it turns SSH off again).
	if err := tp.phone.FactoryReset(tp.ctx); err != nil {
		t.Fatal(err)
	}
	tp.waitBoot(t, 2)
	waitAddr(t, tp.console.SSHAddr, false)
	if again, err := fl.Read(cli.RecordSSHHostKey); err != nil || !bytes.Equal(again, stored) {
		t.Fatalf("host key changed by a factory reset (%v)", err)
	}
}

// behaviour: AUTH-5
func TestNoSSHOnRX50(t *testing.T) {
	tp := start(t, opts{model: model.MRX50, config: "management/ssh/enabled=1\nmanagement/telnet/enabled=1\n"})
	waitAddr(t, tp.console.TelnetAddr, true)
	time.Sleep(50 * time.Millisecond)
	if tp.console.SSHAddr() != nil {
		t.Fatal("SSH listens on an RX50")
	}
}

func (tp *testPhone) apply(t *testing.T, cfg string) {
	t.Helper()
	if _, _, err := tp.phone.ApplyConfig(tp.ctx, "test", []byte(cfg)); err != nil {
		t.Fatal(err)
	}
}

func waitText(t *testing.T, b *syncBuf, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuf is a buffer written by one goroutine and read by the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuf) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func TestIdleSessionEnds(t *testing.T) {
	fl := flash.NewMemory()
	fl.Write(device.RecordConfig, []byte("management/telnet/enabled=1\n"))
	mac, _ := net.ParseMAC("00:90:8f:00:00:01")
	p, _ := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac, Flash: fl})
	c, _ := cli.New(cli.Config{Phone: p, TelnetAddr: "127.0.0.1:0", SSHAddr: "127.0.0.1:0", IdleTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- p.Run(ctx) }()
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done; <-done }()
	p.PowerOn(ctx)
	addr := waitAddr(t, c.TelnetAddr, true).String()
	tc := dialTelnet(t, addr)
	tc.readUntil("Username: ")
	tc.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := tc.conn.Read(make([]byte, 64)); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("idle session still open after 5 s")
			}
			break
		}
	}
}
