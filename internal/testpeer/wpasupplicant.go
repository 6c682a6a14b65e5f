package testpeer

import (
	"fmt"
	"path/filepath"
	"testing"
)

// StartWPASupplicant runs wpa_supplicant in ns as a computer's wired 802.1X
// supplicant on iface, with EAP-MD5 identity and password.
func StartWPASupplicant(t testing.TB, ns *NS, iface, identity, password string) *Process {
	t.Helper()
	NeedRoot(t)
	bin := Need(t, "wpa_supplicant")[0]
	dir := t.TempDir()
	conf := filepath.Join(dir, "wpa.conf")
	WriteFile(t, conf, fmt.Sprintf(`ap_scan=0
network={
	key_mgmt=IEEE8021X
	eap=MD5
	identity=%q
	password=%q
	eapol_flags=0
}
`, identity, password))
	return StartCmd(t, "wpa_supplicant", dir, ns.Command(bin, "-D", "wired", "-i", iface, "-c", conf, "-d"))
}
