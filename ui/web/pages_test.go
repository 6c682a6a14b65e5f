package web_test

import (
	"archive/tar"
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
	"github.com/hdphone/hdphone/hw/virtual"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/firmware"
	"github.com/hdphone/hdphone/ui/web"
)

func image(t testing.TB, version string, models ...string) []byte {
	t.Helper()
	payload := bytes.Repeat([]byte("hdphone firmware payload "), 4000)
	img, err := firmware.Build(models, version, payload)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// behaviour: FW-1
// behaviour: WEB-2
func TestManualFirmwareUpgrade(t *testing.T) {
	tp := startPhone(t, phoneOpts{cfg: web.Config{MaxFirmwareSize: 1 << 20}})
	events, stop := tp.phone.Subscribe(256)
	defer stop()
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/management/manual-update/firmware-upgrade"
	mustContain(t, b.get(page), `type="file"`, "Submit", device.DefaultFirmware)

	good := image(t, "UC_3.4.9.1", "450HD", "C450HD")
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-100] ^= 0xff
	bad := []struct {
		name, file string
		data       []byte
		status     int
		msg        string
	}{
		{"corrupted payload", "450HD.img", corrupt, http.StatusUnprocessableEntity, "corrupt"},
		{"truncated", "450HD.img", good[:len(good)/2], http.StatusUnprocessableEntity, "truncated"},
		{"other model", "RX50.img", image(t, "UC_3.4.9.1", "RX50"), http.StatusUnprocessableEntity, "another model"},
		{"not an image", "450HD.img", []byte("voip/media/media_port=6000\n"), http.StatusUnprocessableEntity, "was refused"},
		{"not .img", "450HD.bin", good, http.StatusBadRequest, "not a .img file"},
		{"header only", "big.img", image(t, "UC_9", "450HD")[:512], http.StatusUnprocessableEntity, "refused"},
	}
	// A huge image is refused from its length.
	huge, _ := firmware.Build([]string{"450HD"}, "UC_3.4.9.2", make([]byte, 2<<20))
	bad = append(bad, struct {
		name, file string
		data       []byte
		status     int
		msg        string
	}{"over the limit", "450HD.img", huge, http.StatusRequestEntityTooLarge, "too large"})
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			p := b.upload(page, tt.file, tt.data)
			mustStatus(t, p, tt.status)
			mustContain(t, p, tt.msg)
			if st := tp.phone.Snapshot(); st.BootCount != 1 || st.Firmware != device.DefaultFirmware || st.Stage != device.StageIdle {
				t.Fatalf("refused image changed the phone: boot %d firmware %s stage %s", st.BootCount, st.Firmware, st.Stage)
			}
		})
	}
	if _, recovery, _ := tp.phone.Flash().Firmware().Recovery(); recovery {
		t.Fatal("a refused image left the recovery marker")
	}
	if _, err := tp.phone.Flash().Firmware().Slot(); err == nil {
		t.Fatal("a refused image reached the firmware slot")
	}

	p := b.upload(page, "450HD_3.4.9.1.img", good)
	mustStatus(t, p, http.StatusOK)
	mustContain(t, p, "Firmware UC_3.4.9.1 verified", "restarting")
	st := tp.waitBoot(t, 2)
	if st.Firmware != "UC_3.4.9.1" {
		t.Fatalf("firmware %s after upgrade", st.Firmware)
	}
	// The slot holds the verified payload.
	slot, err := tp.phone.Flash().Firmware().Slot()
	if err != nil || slot.Version != "UC_3.4.9.1" || slot.Size != int64(len(good)-firmware.HeaderSize) || !slot.HasImage() {
		t.Fatalf("slot %+v, %v", slot, err)
	}
	// The screen showed the upgrade while it burnt (FW-1).
	sawStatus := false
	for e := range events {
		if e.Kind == device.EventStatus && strings.Contains(e.Text, "Upgrading firmware UC_3.4.9.1") {
			sawStatus = true
		}
		if e.Kind == device.EventReboot {
			break
		}
	}
	if !sawStatus {
		t.Fatal("no upgrade indication on the screen")
	}
	mustContain(t, b.get("/status/system-information/release-information"), "UC_3.4.9.1")
	var prog struct{ Phase, Version string }
	json.Unmarshal([]byte(b.get(page+"/progress").body), &prog)
	if prog.Phase != "done" || prog.Version != "UC_3.4.9.1" {
		t.Fatalf("progress %+v", prog)
	}
}

// behaviour: STAT-1
// behaviour: WEB-9
func TestNetworkStatus(t *testing.T) {
	tp := startPhone(t, phoneOpts{config: cfgLines("network/lan_type=STATIC", "network/lan/fixed_ip/ip_address=10.1.2.3",
		"network/lan/fixed_ip/netmask=255.255.0.0", "network/lan/fixed_ip/gateway=10.1.0.1", "network/lan/fixed_ip/primary_dns=10.1.0.53")})
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	p := b.get("/status/system-status/network-status")
	mustContain(t, p, "LAN Information", "Port Mode Status", "802.1X Status",
		"10.1.2.3", "255.255.0.0", "10.1.0.1", "10.1.0.53", "00:90:8F:00:00:01", "STATIC", "PC Port Mode")
	// The RX50 has no PC port.
	rx := startPhone(t, phoneOpts{model: model.MRX50, mac: "00:90:8f:00:00:50"})
	rb := rx.browser(t)
	rb.mustLogin("admin", "1234")
	if p := rb.get("/status/system-status/network-status"); strings.Contains(p.body, "PC Port Mode") {
		t.Fatal("RX50 shows a PC port")
	}
}

type fakeVoIP struct{}

func (fakeVoIP) Lines() []web.LineState {
	return []web.LineState{{Line: 0, ID: "2001", Registered: true, Status: "Registered"}}
}

func (fakeVoIP) Calls() []web.CallInfo {
	return []web.CallInfo{{Line: 0, Remote: "sip:2002@pbx", Codec: "G722", Duration: 75 * time.Second, Established: true}}
}

// behaviour: STAT-2
// behaviour: WEB-10
func TestVoIPStatus(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	p := b.get("/status/system-status/voip-status")
	mustContain(t, p, "Phone Status", "Line Status", "No line is configured")
	if strings.Contains(p.body, "Call Information") {
		t.Fatal("Call Information shown without a call")
	}
	tp.apply(t, "voip/line/0/id=2001\nvoip/line/0/enabled=1\n")
	mustContain(t, b.get("/status/system-status/voip-status"), "Line 1 (2001)")
	tp2 := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:02", cfg: web.Config{VoIP: fakeVoIP{}}})
	b2 := tp2.browser(t)
	b2.mustLogin("admin", "1234")
	mustContain(t, b2.get("/status/system-status/voip-status"), "Line 1 (2001)", "Registered", "Call Information", "sip:2002@pbx", "G722")
}

// behaviour: STAT-3
// behaviour: WEB-11
func TestCallHistory(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	h := tp.phone.Flash().History()
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	var alice flash.Call
	for _, c := range []flash.Call{
		{Kind: flash.Missed, Time: at, Number: "2002", Name: "Alice"},
		{Kind: flash.Received, Time: at, Number: "2003", Name: "Bob", Duration: 95 * time.Second},
		{Kind: flash.Dialed, Time: at, Number: "2004", Duration: 3 * time.Second},
		{Kind: flash.Missed, Time: at.Add(time.Minute), Number: "2005"},
	} {
		got, err := h.Add(c)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "Alice" {
			alice = got
		}
	}
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	const page = "/status/history/call-history"
	p := b.get(page)
	mustContain(t, p, "Missed Calls", "Received Calls", "Dialed Numbers", "2002", "Alice", "2005", "2026-11-25 09:30:00")
	if strings.Contains(p.body, "2003") {
		t.Fatal("received call listed under Missed Calls")
	}
	if strings.Index(p.body, "2005") > strings.Index(p.body, "2002") {
		t.Fatal("missed calls not newest first")
	}
	mustContain(t, b.get(page+"?type=received"), "2003", "Bob", "00:01:35")
	mustContain(t, b.get(page+"?type=dialed"), "2004")
	// An entry of another list is not deleted through this list.
	b.post(page, url.Values{"type": {"received"}, "delete": {fmt.Sprint(alice.ID)}})
	if calls, _ := h.List(flash.Missed); len(calls) != 2 {
		t.Fatal("deleted a missed call through the received list")
	}
	p = b.post(page, url.Values{"type": {"missed"}, "delete": {fmt.Sprint(alice.ID)}})
	mustContain(t, p, "1 entries deleted", "2005")
	if strings.Contains(p.body, "Alice") {
		t.Fatal("deleted entry still listed")
	}
	if calls, _ := h.List(flash.Missed); len(calls) != 1 || calls[0].Number != "2005" {
		t.Fatalf("flash after delete: %+v", calls)
	}
	mustStatus(t, b.post(page, url.Values{"type": {"missed"}, "delete": {"x"}}), http.StatusInternalServerError)
}

// behaviour: DIAG-5
// behaviour: WEB-14
func TestTombstoneDump(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/status/diagnostics/tombstone-dump"
	mustContain(t, b.get(page), "Total tombstones", `id="tombstone-count">0<`)
	dumps := tp.phone.Flash().Tombstones()
	for i, at := range []time.Time{time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 23, 59, 1, 0, time.UTC)} {
		if _, err := dumps.Record(at, "voip_task", []byte(fmt.Sprintf("crash %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	mustContain(t, b.get(page), `id="tombstone-count">2<`, "2026-11-24 23:59:01", "Download")
	d := b.get(page + "/download")
	mustStatus(t, d, http.StatusOK)
	if !strings.Contains(d.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("Content-Disposition %q", d.header.Get("Content-Disposition"))
	}
	tr := tar.NewReader(strings.NewReader(d.body))
	var names []string
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		body, _ := io.ReadAll(tr)
		names = append(names, hdr.Name+"="+string(body))
	}
	if len(names) != 2 || !strings.Contains(strings.Join(names, ","), "crash 1") {
		t.Fatalf("archive holds %v", names)
	}
}

// behaviour: STAT-4
// behaviour: WEB-12
func TestReleaseAndSystemInformation(t *testing.T) {
	for _, m := range model.Names() {
		t.Run(string(m), func(t *testing.T) {
			tp := startPhone(t, phoneOpts{model: m})
			b := tp.browser(t)
			b.mustLogin("user", "1234")
			rel := b.get("/status/system-information/release-information")
			sys := b.get("/status/system-information/system-information")
			mustContain(t, rel, "Phone Model", string(m), device.DefaultFirmware)
			mustContain(t, sys, string(m), device.DefaultFirmware, "00:90:8F:00:00:01")
			hrs := m == model.MHRS
			if strings.Contains(rel.body, "Conference Speaker Device type") != hrs ||
				strings.Contains(rel.body, "Conference Speaker Device FW version") != hrs ||
				strings.Contains(sys.body, "Speaker Model Name") != hrs ||
				strings.Contains(sys.body, "Speaker Firmware Version") != hrs {
				t.Fatalf("speaker fields shown=%v on the %s", !hrs, m)
			}
		})
	}
}

// behaviour: WEB-13
func TestSyslogConfig(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/status/diagnostics/syslog-config"
	mustContain(t, b.get(page), "Log Destination", "system/syslog/component/sip_stack", `value="Local" selected`)
	// Lightweight syslog: Network with an address and port, components None.
	p := b.post(page, url.Values{"system/syslog/mode": {"Network"}, "system/syslog/server_address": {"127.0.0.1"}, "system/syslog/server_port": {"5514"}})
	mustContain(t, p, "3 settings applied")
	cfg := tp.phone.Snapshot().Config
	if cfg.Get("system/syslog/mode") != "Network" || cfg.Get("system/syslog/server_address") != "127.0.0.1" || cfg.Get("system/syslog/server_port") != "5514" {
		t.Fatal("syslog settings not applied")
	}
	// Malformed values: nothing applied.
	for _, form := range []url.Values{
		{"system/syslog/server_port": {"99999"}, "system/syslog/mode": {"All"}},
		{"system/syslog/mode": {"Carrier pigeon"}},
		{"system/syslog/server_address": {"not-an-ip"}},
		{"system/syslog/server_address": {"1.2.3.4\nsystem/password=x"}},
	} {
		p := b.post(page, form)
		mustStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, "nothing was changed")
	}
	cfg = tp.phone.Snapshot().Config
	if cfg.Get("system/syslog/mode") != "Network" || cfg.Get("system/syslog/server_port") != "5514" || !cfg.CheckSecret("system/password", "1234") {
		t.Fatal("a refused form changed the configuration")
	}
	if tp.phone.Snapshot().BootCount != 1 {
		t.Fatal("syslog change rebooted the phone")
	}
}

// behaviour: CFG-6
// behaviour: CFG-7
// behaviour: WEB-6
func TestFunctionAndProgrammableKeys(t *testing.T) {
	tp := startPhone(t, phoneOpts{config: cfgLines(
		"personal_settings/functional_key/8/type=SPEED_DIAL",
		"personal_settings/functional_key/8/key_label=Alice",
		"personal_settings/functional_key/8/speed_dial_number=2002",
		"personal_settings/functional_key/9/type=SPEED_DIAL",
		"personal_settings/functional_key/9/speed_dial_number=2003",
		"personal_settings/functional_key/2/type=SPEED_DIAL",
		"personal_settings/functional_key/2/speed_dial_number=2010")})
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	const fk = "/configuration/personal-settings/function-keys"
	const pk = "/configuration/personal-settings/programmable-keys"
	mustContain(t, b.get(fk), "Alice", "2002", "Save Function Keys", "Load Function Keys", "Delete All", `type="reset"`)
	mustContain(t, b.get(pk), "2010", "Save Programmable Keys", "Load Programmable Keys")

	saved := b.get(fk + "/save")
	if !strings.Contains(saved.header.Get("Content-Disposition"), "function_keys.cfg") ||
		!strings.Contains(saved.body, "personal_settings/functional_key/8/key_label=Alice\n") ||
		strings.Contains(saved.body, "functional_key/2/") {
		t.Fatalf("saved function keys:\n%s", saved.body)
	}
	progSaved := b.get(pk + "/save").body
	if !strings.Contains(progSaved, "personal_settings/functional_key/2/speed_dial_number=2010") || strings.Contains(progSaved, "/8/") {
		t.Fatalf("saved programmable keys:\n%s", progSaved)
	}

	// Delete one ticked row.
	p := b.post(fk, url.Values{"action": {"delete"}, "delete": {"8"}})
	mustContain(t, p, "1 keys deleted")
	cfg := tp.phone.Snapshot().Config
	if cfg.Get("personal_settings/functional_key/8/type") != "EMPTY" || cfg.Get("personal_settings/functional_key/9/type") != "SPEED_DIAL" {
		t.Fatal("row delete wrong")
	}
	// A programmable key cannot be deleted through the function key page.
	mustStatus(t, b.post(fk, url.Values{"action": {"delete"}, "delete": {"2"}}), http.StatusBadRequest)
	// Delete All asks first.
	p = b.post(fk, url.Values{"action": {"deleteall"}})
	mustContain(t, p, "Delete all keys?", `id="ok"`)
	if tp.phone.Snapshot().Config.Get("personal_settings/functional_key/9/type") != "SPEED_DIAL" {
		t.Fatal("Delete All before OK")
	}
	b.post(fk, url.Values{"action": {"deleteall-confirm"}})
	cfg = tp.phone.Snapshot().Config
	if cfg.Get("personal_settings/functional_key/9/type") != "EMPTY" || cfg.Get("personal_settings/functional_key/2/type") != "SPEED_DIAL" {
		t.Fatal("Delete All wrong")
	}

	// Load the saved file back.
	p = b.upload(fk+"/load", "function_keys.cfg", []byte(saved.body))
	mustStatus(t, p, http.StatusOK)
	if got := tp.phone.Snapshot().Config.Get("personal_settings/functional_key/8/key_label"); got != "Alice" {
		t.Fatalf("label %q after load", got)
	}
	// A file touching other settings, or keys of the other page, is refused whole.
	for _, bad := range []string{
		"personal_settings/functional_key/9/key_label=Bob\nsystem/password=hacked\n",
		"personal_settings/functional_key/2/key_label=Prog\n",
		"personal_settings/functional_key/9/type=NOT_A_TYPE\n",
		"\x00\x01binary",
	} {
		p := b.upload(fk+"/load", "keys.cfg", []byte(bad))
		if p.status == http.StatusOK {
			t.Fatalf("load of %q accepted", bad)
		}
		mustContain(t, p, "nothing was changed")
	}
	cfg = tp.phone.Snapshot().Config
	if cfg.Get("personal_settings/functional_key/9/key_label") == "Bob" || !cfg.CheckSecret("system/password", "1234") {
		t.Fatal("a refused key file changed the configuration")
	}

	// The HRS has no key pages (WEB-6); the RX50 has programmable keys only.
	hrs := startPhone(t, phoneOpts{model: model.MHRS, mac: "00:90:8f:00:00:0a"})
	hb := hrs.browser(t)
	hb.mustLogin("admin", "1234")
	mustStatus(t, hb.get(fk), http.StatusNotFound)
	mustStatus(t, hb.get(pk), http.StatusNotFound)
	if home := hb.get("/configuration/lync-sign-in/sign-in"); strings.Contains(home.body, "Function Keys") || strings.Contains(home.body, "Programmable Keys") {
		t.Fatal("HRS menu lists key pages")
	}
	rx := startPhone(t, phoneOpts{model: model.MRX50, mac: "00:90:8f:00:00:0b"})
	rb := rx.browser(t)
	rb.mustLogin("admin", "1234")
	mustStatus(t, rb.get(fk), http.StatusNotFound)
	mustContain(t, rb.get(pk), "Programmable Keys")
}

// behaviour: WEB-8
func TestLyncSignInPagePresent(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	mustContain(t, b.get("/configuration/lync-sign-in/sign-in"), "Sign in", "Sign In")
	p := b.post("/configuration/lync-sign-in/sign-in", url.Values{"user": {"a"}})
	mustStatus(t, p, http.StatusNotImplemented)
}

// recordingFace is a faceplate that records key presses.
type recordingFace struct {
	mu      sync.Mutex
	pressed []string
}

func (f *recordingFace) Frame() hw.TextFrame {
	return hw.TextFrame{Rows: []string{"12:00  Wed 25 Nov", "2001"}, Highlight: 1}
}

func (f *recordingFace) LEDs() map[hw.LED]hw.LEDState {
	return map[hw.LED]hw.LEDState{{Kind: hw.LEDRinger}: {Color: hw.Blue, Pattern: hw.FlashSlow}, {Kind: hw.LEDKey, Index: 3}: {Color: hw.Green}}
}

func (f *recordingFace) Press(k hw.Key, index int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pressed = append(f.pressed, fmt.Sprintf("%s/%d", k, index))
	return nil
}

func TestFaceplate(t *testing.T) {
	face := &recordingFace{}
	tp := startPhone(t, phoneOpts{cfg: web.Config{Faceplate: face}})
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	mustContain(t, b.get("/faceplate"), `data-key="MENU"`, `data-key="PKEY" data-index="7"`)
	var st struct {
		Rows      []string
		Highlight int
		LEDs      []struct{ LED, Color, Pattern string }
	}
	if err := json.Unmarshal([]byte(b.get("/faceplate/state").body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Rows[1] != "2001" || st.Highlight != 1 || len(st.LEDs) != 2 || st.LEDs[0].LED != "ringer" || st.LEDs[0].Pattern != "flash-slow" || st.LEDs[1].LED != "key3" {
		t.Fatalf("state %+v", st)
	}
	key := func(body string, token string) int {
		req, _ := http.NewRequest(http.MethodPost, b.base+"/faceplate/key", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", token)
		return b.do(req).status
	}
	if s := key(`{"key":"5"}`, b.csrf); s != http.StatusNoContent {
		t.Fatalf("press 5: %d", s)
	}
	if s := key(`{"key":"PKEY","index":7}`, b.csrf); s != http.StatusNoContent {
		t.Fatalf("press PKEY7: %d", s)
	}
	for body, want := range map[string]int{`{"key":"PKEY","index":48}`: 400, `{"key":"LAUNCH"}`: 400, `{"key":`: 400} {
		if s := key(body, b.csrf); s != want {
			t.Fatalf("%s: %d, want %d", body, s, want)
		}
	}
	if s := key(`{"key":"5"}`, "forged"); s != http.StatusForbidden {
		t.Fatalf("forged token: %d", s)
	}
	if strings.Join(face.pressed, ",") != "5/0,PKEY/7" {
		t.Fatalf("pressed %v", face.pressed)
	}

	// Without a screen application: the boot status, and keys refused.
	tp2 := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:02"})
	b2 := tp2.browser(t)
	b2.mustLogin("user", "1234")
	mustContain(t, b2.get("/faceplate/state"), `"rows":["450HD  UC_3.4.8.808","idle"]`)
	req, _ := http.NewRequest(http.MethodPost, b2.base+"/faceplate/key", strings.NewReader(`{"key":"5"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b2.csrf)
	if s := b2.do(req).status; s != http.StatusNotImplemented {
		t.Fatalf("key without screen app: %d", s)
	}
}

// boardFace shows a virtual board (hw/virtual) on the faceplate page, as
// cmd wires the in-memory board of a headless phone.
type boardFace struct{ *virtual.Board }

func (f boardFace) Press(k hw.Key, index int) error {
	return f.Tap(virtual.Button{Key: k, Index: index})
}

func TestFaceplateOnVirtualBoard(t *testing.T) {
	board := virtual.New(model.MustLookup(model.M450HD).Screen)
	defer board.Close()
	tp := startPhone(t, phoneOpts{cfg: web.Config{Faceplate: boardFace{board}}})
	b := tp.browser(t)
	b.mustLogin("user", "1234")
	board.ShowText(hw.TextFrame{Rows: []string{"Welcome", "2001"}, Highlight: -1, Backlight: 20})
	board.SetLED(hw.LED{Kind: hw.LEDRinger}, hw.LEDState{Color: hw.Red})
	mustContain(t, b.get("/faceplate/state"), `"Welcome"`, `"2001"`, `{"led":"ringer","color":"red","pattern":"steady"}`)
	req, _ := http.NewRequest(http.MethodPost, b.base+"/faceplate/key", strings.NewReader(`{"key":"PKEY","index":3}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	mustStatus(t, b.do(req), http.StatusNoContent)
	var got []string
	for len(got) < 2 {
		select {
		case e := <-board.Events():
			got = append(got, e.String())
		case <-time.After(5 * time.Second):
			t.Fatalf("key events %v", got)
		}
	}
	if got[0] != "PKEY3 press" || got[1] != "PKEY3 release" {
		t.Fatalf("key events %v", got)
	}
}

// behaviour: WEB-7
func TestCertificateSigningRequest(t *testing.T) {
	tp := startPhone(t, phoneOpts{mac: "00:90:8f:ab:cd:ef"})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/configuration/security/certificate-signing-request"
	mustContain(t, b.get(page), "Generate Certificate Signing Request", `value="00908fabcdef"`)
	mustStatus(t, b.get(page+"/save"), http.StatusNotFound)
	mustStatus(t, b.post(page, url.Values{"c": {"USA"}}), http.StatusUnprocessableEntity)
	p := b.post(page, url.Values{"cn": {"phone-17.example.com"}, "o": {"Example Corp"}, "c": {"fr"}})
	mustContain(t, p, "Certificate signing request generated", "Save Certificate Signing Request")
	csr := b.get(page + "/save")
	mustStatus(t, csr, http.StatusOK)
	if !strings.Contains(csr.header.Get("Content-Disposition"), "00908fabcdef.csr") {
		t.Fatalf("Content-Disposition %q", csr.header.Get("Content-Disposition"))
	}
	blk, _ := pem.Decode([]byte(csr.body))
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("not a PEM request: %q", csr.body)
	}
	req, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil || req.CheckSignature() != nil {
		t.Fatalf("request: %v", err)
	}
	if req.Subject.CommonName != "phone-17.example.com" || req.Subject.Country[0] != "FR" || req.Subject.Organization[0] != "Example Corp" {
		t.Fatalf("subject %s", req.Subject)
	}
	// The key kept in flash is the request's key.
	kb, err := tp.phone.Flash().Read(web.RecordCSRKey)
	if err != nil {
		t.Fatal(err)
	}
	kblk, _ := pem.Decode(kb)
	key, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
	if err != nil || !key.(*rsa.PrivateKey).PublicKey.Equal(req.PublicKey) {
		t.Fatalf("flash key does not match the request (%v)", err)
	}
	// openssl, an independent implementation, verifies the request too.
	openssl := testpeer.Need(t, "openssl")[0]
	path := filepath.Join(t.TempDir(), "phone.csr")
	os.WriteFile(path, []byte(csr.body), 0o644)
	out, err := exec.Command(openssl, "req", "-in", path, "-noout", "-verify", "-subject").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "phone-17.example.com") || !strings.Contains(strings.ToLower(string(out)), "verif") {
		t.Fatalf("openssl req -verify: %v\n%s", err, out)
	}
	// The user account cannot make requests.
	u := tp.browser(t)
	u.mustLogin("user", "1234")
	mustStatus(t, u.get(page), http.StatusForbidden)
}

// behaviour: WEB-15
func TestMonitoringTraceroute(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/status/diagnostics/monitoring"
	mustContain(t, b.get(page), "Destination", ">Go</button>")
	p := b.post(page, url.Values{"destination": {"127.0.0.1"}})
	mustStatus(t, p, http.StatusOK)
	mustContain(t, p, "Traceroute to 127.0.0.1", "<td>1</td><td>127.0.0.1</td>", " ms</td>")
	for _, bad := range []string{"", "a b", "no-such-host.invalid", "::1"} {
		mustStatus(t, b.post(page, url.Values{"destination": {bad}}), http.StatusUnprocessableEntity)
	}
}
