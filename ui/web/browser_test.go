package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// TestBrowserDeltaProcedureAndFirmwareUpgrade drives two emulated phones
// from headless Chromium: the manual's procedure for a delta configuration
// file (save the defaults, change a setting, save, save modified fields
// only, load the delta on a second phone, which restarts with the change),
// then a firmware upgrade through the Web page and a corrupted image that is
// refused. Screenshots and downloads are kept in the test's artifact
// directory (go test -artifacts keeps them; their paths are logged).
//
// behaviour: CFG-2
// behaviour: CFG-3
// behaviour: FW-1
// behaviour: WEB-1
// behaviour: WEB-2
func TestBrowserDeltaProcedureAndFirmwareUpgrade(t *testing.T) {
	br := testpeer.NeedBrowser(t)
	a := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:0a"})
	b := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:0b"})
	out := t.ArtifactDir()
	good := image(t, "UC_3.4.9.7", "450HD")
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0x55
	goodPath, badPath := filepath.Join(out, "450HD_3.4.9.7.img"), filepath.Join(out, "450HD_corrupt.img")
	if err := os.WriteFile(goodPath, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, _ := filepath.Abs("testdata/e2e/procedure.js")
	log := br.RunScript(t, ctx, script,
		"PHONE_A="+a.base, "PHONE_B="+b.base, "OUT_DIR="+out,
		"FW_GOOD="+goodPath, "FW_BAD="+badPath, "FW_VERSION=UC_3.4.9.7")
	t.Logf("browser log:\n%s", log)
	if !strings.Contains(log, "procedure done") {
		t.Fatal("the browser script did not finish")
	}

	// What the browser saw, checked on the phones themselves.
	sb := b.phone.Snapshot()
	if sb.BootCount != 2 || sb.Stage != device.StageIdle {
		t.Fatalf("phone B: boot %d stage %s, want a restart after the load", sb.BootCount, sb.Stage)
	}
	if sb.Config.Get("voip/media/media_port") != "6010" || sb.Config.Get("system/syslog/mode") != "Network" {
		t.Fatalf("phone B lacks the delta: port %s syslog %s", sb.Config.Get("voip/media/media_port"), sb.Config.Get("system/syslog/mode"))
	}
	if delta := sb.Config.Delta().Keys(); len(delta) != 2 {
		t.Fatalf("phone B's delta holds %v, want the two changed keys", delta)
	}
	sa := a.phone.Snapshot()
	if sa.Firmware != "UC_3.4.9.7" || sa.BootCount != 2 {
		t.Fatalf("phone A: firmware %s boot %d after upgrade and refused image", sa.Firmware, sa.BootCount)
	}
	for _, f := range []string{"default.cfg", "configured.cfg", "delta.cfg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("download %s missing: %v", f, err)
		}
	}
}
