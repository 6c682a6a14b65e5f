package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hdphone run serves the phone's Web interface and, when the configuration
// enables it, its Telnet console, beside the phone.
//
// behaviour: AUTH-4
// behaviour: WEB-1
func TestRunServesWebAndConsole(t *testing.T) {
	addr := randomLoopback()
	cfg := filepath.Join(t.TempDir(), "phone.cfg")
	if err := os.WriteFile(cfg, []byte("management/telnet/enabled=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	web, https, telnet, ssh := addr+":18080", addr+":18443", addr+":12323", addr+":12222"
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", "--headless", "--lab", "off", "--addr", addr, "--cfg", cfg,
		"--web", web, "--https", https, "--telnet", telnet, "--ssh", ssh)
	cmd.Env = append(os.Environ(), "HDPHONE_TEST_MAIN=1")
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("hdphone run did not stop on SIGTERM")
		}
	}()

	// The Web interface answers with its login page.
	var res *http.Response
	deadline := time.Now().Add(20 * time.Second)
	for res == nil && time.Now().Before(deadline) {
		if res, err = http.Get("http://" + web + "/login"); err != nil {
			res = nil
			time.Sleep(50 * time.Millisecond)
		}
	}
	if res == nil {
		t.Fatalf("no Web interface on %s; stderr:\n%s", web, errb.String())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(strings.ToLower(string(body)), "password") {
		t.Fatalf("login page: %d %.300s", res.StatusCode, body)
	}
	// The address is announced once the phone is set up around its
	// servers, which may answer a moment before.
	for !strings.Contains(errb.String(), "web: http://"+web) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(errb.String(), "web: http://"+web) {
		t.Errorf("the Web address is not announced: %q", errb.String())
	}

	// The Telnet console, enabled by the configuration, asks for a login.
	var conn net.Conn
	for conn == nil && time.Now().Before(deadline) {
		if conn, err = net.DialTimeout("tcp", telnet, time.Second); err != nil {
			conn = nil
			time.Sleep(50 * time.Millisecond)
		}
	}
	if conn == nil {
		t.Fatalf("no Telnet console although management/telnet/enabled=1; stderr:\n%s", errb.String())
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if seen := readUntil(bufio.NewReader(conn), "username"); !strings.Contains(strings.ToLower(seen), "username") {
		t.Errorf("telnet greeting %q has no login prompt", seen)
	}
}

// readUntil reads printable text until want appears or the connection stops.
func readUntil(r *bufio.Reader, want string) string {
	var b strings.Builder
	for !strings.Contains(strings.ToLower(b.String()), want) {
		c, err := r.ReadByte()
		if err != nil {
			break
		}
		if c >= 32 && c < 127 || c == '\n' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
