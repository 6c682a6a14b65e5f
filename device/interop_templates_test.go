package device_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab"
)

// logBuffer is a log sink a test can search.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// template reads a configuration template of testdata/templates and fills
// in Kamailio's address, as the provisioning server does.
func template(t *testing.T, name string, k *testpeer.Kamailio) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "templates", name))
	if err != nil {
		t.Fatal(err)
	}
	return fillTemplate(b, k.Host, k.Port, k.TLSPort, k.Domain)
}

func fillTemplate(b []byte, host string, port, tlsPort int, domain string) []byte {
	return []byte(strings.NewReplacer(
		"${SIP_HOST}", host,
		"${SIP_PORT}", strconv.Itoa(port),
		"${SIP_TLS_PORT}", strconv.Itoa(tlsPort),
		"${SIP_DOMAIN}", domain,
	).Replace(string(b)))
}

// Phones boot with factory settings, get an address from the lab's DHCP
// server, fetch their per-MAC configuration over HTTP, and that file alone
// (a real 450HD generic-SIP template: trailing spaces, unknown keys, a
// repeated key, CRLF, an encrypted password) registers them at Kamailio
// over UDP, TCP and TLS. The unknown keys are reported in the log, the last
// of a repeated key wins, and two of the phones then call each other.
//
// behaviour: CFG-1
// behaviour: CFG-5
// behaviour: PROV-1
func TestRealTemplatesRegisterAtKamailio(t *testing.T) {
	t.Parallel()
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{CallAuth: true})
	type tmpl struct {
		file, user, transport string
		expires               time.Duration // the repeated or last value
		unknown               []string
		display               string
		freq                  float64
		n                     int
		logs                  *logBuffer
	}
	tmpls := []*tmpl{
		{file: "450HD-asterisk-udp.cfg", user: "1001", transport: "UDP", expires: 600 * time.Second,
			unknown: []string{"voip/services/asterisk/parking_lot"}, display: "Reception", freq: 1000},
		{file: "450HD-bsft-tcp.cfg", user: "1002", transport: "TCP", expires: 1800 * time.Second,
			unknown: []string{"voip/services/bsft/xsi_server"}, display: "Sales", freq: 600},
		{file: "450HD-hosted-tls.cfg", user: "1003", transport: "TLS", expires: 300 * time.Second,
			unknown: []string{"voip/hosted/tenant_id"}, display: "Front desk", freq: 1400},
	}
	files := map[string][]byte{}
	for _, tp := range tmpls {
		tp.n = int(nextPhone.Add(1))
		mac := strings.ReplaceAll(lab.PhoneMAC(tp.n).String(), ":", "")
		files[mac+".cfg"] = template(t, tp.file, k)
	}
	l := startLab(t, lab.Config{Files: files})
	phones := map[string]*labPhone{}
	for _, tp := range tmpls {
		net := fastNet()
		net.DHCPServer = l.DHCPAddr()
		net.FetchTimeout = 5 * time.Second
		tp.logs = &logBuffer{}
		phones[tp.user] = startIxPhone(t, ixPhone{user: tp.user, freq: tp.freq, addr: lab.PhoneAddr(tp.n), mac: lab.PhoneMAC(tp.n),
			net: net, logger: slog.New(slog.NewTextHandler(tp.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	}
	for _, tp := range tmpls {
		t.Run(tp.file, func(t *testing.T) {
			p := phones[tp.user]
			s := waitState(t, p.Phone, "registered from the template", func(s device.State) bool {
				return s.Stage == device.StageIdle && registered(s)
			})
			ln := s.Lines[0]
			if ln.ID != tp.user || ln.Display != tp.user {
				t.Errorf("line %+v, want %s shown as %s (extension_display)", ln, tp.user, tp.user)
			}
			if tp.transport != "UDP" && !strings.HasPrefix(ln.Registrar, strings.ToLower(tp.transport)+":") {
				t.Errorf("registered at %q, want over %s", ln.Registrar, tp.transport)
			}
			// The last registration_expires of the file is the one asked for
			// (Kamailio grants it).
			if left := time.Until(ln.Expires); left > tp.expires || left < tp.expires-time.Minute {
				t.Errorf("registration runs %s more, want about %s", left.Round(time.Second), tp.expires)
			}
			contacts := k.Contacts(t, tp.user)
			addr := lab.PhoneAddr(tp.n).String() + ":"
			if len(contacts) != 1 || !strings.Contains(contacts[0], addr) {
				t.Errorf("Kamailio holds %v for %s, want the phone at %s", contacts, tp.user, addr)
			}
			if got := s.Config.Get("voip/line/0/description"); got != tp.display {
				t.Errorf("description %q, want %q (trailing spaces dropped, the last of a repeated key)", got, tp.display)
			}
			if pw, err := s.Config.Secret("voip/line/0/auth_password"); err != nil || pw != "pass"+tp.user {
				t.Errorf("password from the template: %v", err)
			}
			logs := tp.logs.String()
			for _, key := range tp.unknown {
				if !strings.Contains(logs, key) {
					t.Errorf("the unknown key %s is not reported in the log", key)
				}
			}
			if !strings.Contains(logs, "repeated key") {
				t.Errorf("the repeated key is not reported in the log")
			}
		})
	}
	// The TLS phone (SRTP preferred) calls the TCP one.
	a, b := phones["1003"], phones["1002"]
	aID, bID := connect(t, a, b)
	phoneHears(t, a, aID, b.freq)
	phoneHears(t, b, bID, a.freq)
	a.Hangup(bg, aID)
	ended(t, b, bID)
}

// The templates parse as the phone parses them: warnings only (unknown and
// repeated keys), never an error that would reject the file.
func TestRealTemplatesParse(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "templates", "*.cfg"))
	if len(files) < 3 {
		t.Fatalf("templates: %v", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		b = fillTemplate(b, "pbx.example.com", 5060, 5061, "example.com")
		c, issues, err := config.Default().New("450HD").Apply(filepath.Base(f), bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s rejected: %v", f, err)
			continue
		}
		if len(issues) == 0 {
			t.Errorf("%s: no warnings; a real template has unknown or repeated keys", f)
		}
		if c.Get("voip/line/0/enabled") != "1" {
			t.Errorf("%s: line 0 not enabled", f)
		}
	}
}
