package testpeer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Rsyslog is an rsyslogd receiving syslog over UDP, started by
// StartRsyslog.
type Rsyslog struct {
	*Process
	Addr string // 127.0.0.1:port of the UDP input
	Port int
	Log  string // the file every message is written to
}

// RsyslogTemplate is the line format StartRsyslog writes: the fields a
// test checks, separated by '|': syslog protocol version, facility,
// severity, hostname, app-name, then the message.
const RsyslogTemplate = `%protocol-version%|%syslogfacility%|%syslogseverity-text%|%hostname%|%app-name%|%msg:::drop-last-lf%\n`

// StartRsyslog runs rsyslogd in the foreground with only a UDP input on
// 127.0.0.1 and a free port (no /dev/log, no kernel log), writing every
// message to Log in RsyslogTemplate's format.
func StartRsyslog(t testing.TB) *Rsyslog {
	t.Helper()
	bin := Need(t, "rsyslogd")[0]
	dir := t.TempDir()
	r := &Rsyslog{Log: filepath.Join(dir, "messages.log")}
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "rsyslog.conf")
	r.Process = startOnFreePort(t, func() (*Process, error) {
		r.Port = FreePort(t, "udp")
		r.Addr = fmt.Sprintf("127.0.0.1:%d", r.Port)
		WriteFile(t, conf, fmt.Sprintf(`global(workDirectory=%q)
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="%d")
template(name="fields" type="string" string="%s")
*.* action(type="omfile" file=%q template="fields" flushOnTXEnd="on" asyncWriting="off")
`, filepath.Join(dir, "work"), r.Port, strings.ReplaceAll(RsyslogTemplate, `"`, `\"`), r.Log))
		p := Start(t, "rsyslogd", dir, bin, "-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid"))
		err := p.waitUDPBoundOrLost(r.Addr, "Could not create udp listener", 15*time.Second)
		return p, err
	})
	return r
}

// Lines returns the lines written so far.
func (r *Rsyslog) Lines() []string {
	b, _ := os.ReadFile(r.Log)
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// WaitLines waits until at least n lines have been written and returns
// them all.
func (r *Rsyslog) WaitLines(n int, timeout time.Duration) ([]string, error) {
	var lines []string
	err := r.WaitFor(timeout, func() error {
		if lines = r.Lines(); len(lines) >= n {
			return nil
		}
		return fmt.Errorf("%d of %d lines", len(lines), n)
	})
	return lines, err
}
