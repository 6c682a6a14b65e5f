package testpeer

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hostapd is hostapd as the 802.1X authenticator of a wired switch port,
// with its own EAP server (no RADIUS).
type Hostapd struct {
	*Process
}

// HostapdTLS makes hostapd's EAP server accept EAP-TLS from any identity
// whose client certificate chains to CACert, presenting ServerCert and
// ServerKey (PEM files).
type HostapdTLS struct {
	CACert, ServerCert, ServerKey string
	// Fragment is hostapd's fragment_size (0: its default, 1398).
	Fragment int
}

// HostapdOptions are StartHostapd's optional settings.
type HostapdOptions struct {
	// TLS, when set, adds EAP-TLS.
	TLS *HostapdTLS
	// Unicast sends EAP to each supplicant's own MAC, as switches doing
	// multiple authentication on a port do (use_pae_group_addr=0); the
	// default sends to the PAE group address.
	Unicast bool
}

// StartHostapd runs hostapd in ns on iface with the EAP-MD5 users given
// (identity → password).
func StartHostapd(t testing.TB, ns *NS, iface string, users map[string]string, opts ...HostapdOptions) *Hostapd {
	t.Helper()
	NeedRoot(t)
	bin := Need(t, "hostapd")[0]
	dir := t.TempDir()
	var u strings.Builder
	for id, pw := range users {
		fmt.Fprintf(&u, "%q MD5 %q\n", id, pw)
	}
	extra, group := "", 1
	for _, o := range opts {
		if o.Unicast {
			group = 0
		}
		if o.TLS == nil {
			continue
		}
		c := *o.TLS
		u.WriteString("* TLS\n")
		extra += fmt.Sprintf("ca_cert=%s\nserver_cert=%s\nprivate_key=%s\n", c.CACert, c.ServerCert, c.ServerKey)
		if c.Fragment > 0 {
			extra += fmt.Sprintf("fragment_size=%d\n", c.Fragment)
		}
	}
	WriteFile(t, filepath.Join(dir, "eap_users"), u.String())
	WriteFile(t, filepath.Join(dir, "hostapd.conf"), extra+fmt.Sprintf(`interface=%s
driver=wired
ieee8021x=1
eap_server=1
eap_user_file=%s/eap_users
eapol_version=2
use_pae_group_addr=%d
logger_stdout=-1
logger_stdout_level=1
`, iface, dir, group))
	h := &Hostapd{StartCmd(t, "hostapd", dir, ns.Command(bin, "-d", filepath.Join(dir, "hostapd.conf")))}
	if err := h.WaitOutput("interface state UNINITIALIZED->ENABLED", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	return h
}
