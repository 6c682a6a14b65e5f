package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/ui/web"
)

// behaviour: CFG-2
// behaviour: WEB-1
func TestSaveCurrentConfigurationAndDelta(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")

	page := b.get("/management/manual-update/configuration-file")
	mustContain(t, page, "Save Current Configuration File", "Display modified configuration fields only",
		"Loading new Configuration File", "voip/media/media_port=4000")

	full := b.get("/management/manual-update/configuration-file/save")
	mustStatus(t, full, http.StatusOK)
	if cd := full.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="00908f000001.cfg"`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(full.body, ";"+device.DefaultFirmware+"\n") {
		t.Fatalf("saved file does not start with the firmware line: %.60q", full.body)
	}
	for _, want := range []string{"voip/media/media_port=4000\n", "system/web/enabled=1\n", "network/lan_type=DHCP\n",
		"personal_settings/functional_key/47/type=EMPTY\n"} {
		if !strings.Contains(full.body, want) {
			t.Fatalf("full configuration lacks %q", want)
		}
	}
	// A factory phone has no delta.
	delta := b.get("/management/manual-update/configuration-file/save?modified=1")
	if lines := cfgKeyLines(delta.body); len(lines) != 0 {
		t.Fatalf("factory delta has lines %q", lines)
	}

	tp.apply(t, "voip/media/media_port=6000\nsystem/syslog/mode=Network\n")
	delta = b.get("/management/manual-update/configuration-file/save?modified=1")
	got := cfgKeyLines(delta.body)
	want := []string{"system/syslog/mode=Network", "voip/media/media_port=6000"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("delta lines %q, want %q", got, want)
	}
	view := b.get("/management/manual-update/configuration-file?modified=1")
	mustContain(t, view, "voip/media/media_port=6000", `id="modified" class="autosubmit" checked`)
	if strings.Contains(view.body, "network/lan_type=") {
		t.Fatal("modified-only view shows unmodified fields")
	}
}

// cfgKeyLines returns a .cfg file's key=value lines other than system/type.
func cfgKeyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l == "" || l[0] == ';' || strings.HasPrefix(l, "system/type=") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// behaviour: CFG-3
func TestLoadConfigurationFileAppliesAndRestarts(t *testing.T) {
	src := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:01"})
	src.apply(t, "voip/media/media_port=6000\n")
	sb := src.browser(t)
	sb.mustLogin("admin", "1234")
	delta := sb.get("/management/manual-update/configuration-file/save?modified=1").body

	dst := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:02"})
	events, stop := dst.phone.Subscribe(256)
	defer stop()
	b := dst.browser(t)
	b.mustLogin("admin", "1234")
	mustContain(t, b.get("/management/manual-update/configuration-file/load"), `type="file"`, "Submit")
	p := b.upload("/management/manual-update/configuration-file/load", "00908f000001.cfg", []byte(delta))
	mustStatus(t, p, http.StatusOK)
	mustContain(t, p, "The phone is restarting")
	st := dst.waitBoot(t, 2)
	if got := st.Config.Get("voip/media/media_port"); got != "6000" {
		t.Fatalf("media_port %q after load", got)
	}
	// The restart is announced (the screen shows it) with the file's name.
	for e := range events {
		if e.Kind == device.EventReboot {
			if !strings.Contains(e.Text, "00908f000001.cfg") {
				t.Fatalf("reboot reason %q", e.Text)
			}
			break
		}
	}
}

func TestLoadConfigurationFileBadInput(t *testing.T) {
	tp := startPhone(t, phoneOpts{cfg: web.Config{MaxConfigSize: 4096}})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	tests := []struct {
		name, file string
		data       []byte
		status     int
		msg        string
	}{
		{"corrupted cfx", "x.cfx", append(cfxHeader(t), 1, 2, 3, 4, 5, 6, 7, 8, 9), http.StatusUnprocessableEntity, "keeps its configuration"},
		{"not a cfg name", "notes.txt", []byte("voip/media/media_port=6000\n"), http.StatusBadRequest, "not a .cfg or .cfx file"},
		{"binary garbage", "garbage.cfg", []byte("\x7fELF\x02\x01\x01\x00\x00\x00voip/media/media_port=6000\n"), http.StatusBadRequest, "not a configuration file"},
		{"invalid UTF-8", "latin.cfg", []byte("voip/media/media_port=6\xff00\n"), http.StatusBadRequest, "not a configuration file"},
		{"no key=value", "empty.cfg", []byte("; only a comment\n\n"), http.StatusBadRequest, "no key=value lines"},
		{"bad value", "bad.cfg", []byte("voip/media/media_port=6000\nnetwork/lan/vlan/id=9999\n"), http.StatusUnprocessableEntity, "network/lan/vlan/id"},
		{"line without =", "bad2.cfg", []byte("voip/media/media_port=6000\nthis is not a setting\n"), http.StatusUnprocessableEntity, "keeps its configuration"},
		{"too large", "big.cfg", bytes.Repeat([]byte("voip/media/media_port=6000\n"), 400), http.StatusRequestEntityTooLarge, "too large"},
		{"path tricks", "../../../etc/passwd.cfg", []byte("network/lan/vlan/id=-1\n"), http.StatusUnprocessableEntity, "passwd.cfg"},
	}
	before, _ := tp.phone.Flash().List("")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.upload("/management/manual-update/configuration-file/load", tt.file, tt.data)
			mustStatus(t, p, tt.status)
			mustContain(t, p, tt.msg)
			if strings.Contains(p.body, "../") {
				t.Fatal("the page echoes the path of the file name")
			}
		})
	}
	st := tp.phone.Snapshot()
	if st.BootCount != 1 || st.Config.Get("voip/media/media_port") != "4000" || st.Config.Get("network/lan/vlan/id") != "0" {
		t.Fatalf("bad uploads changed the phone: boot %d, port %s", st.BootCount, st.Config.Get("voip/media/media_port"))
	}
	after, _ := tp.phone.Flash().List("")
	if strings.Join(before, ",") != strings.Join(after, ",") {
		t.Fatalf("bad uploads wrote flash records: %v → %v", before, after)
	}
}

func cfxHeader(t *testing.T) []byte {
	b, err := config.EncryptFile([]byte("voip/media/media_port=6000\n"))
	if err != nil {
		t.Fatal(err)
	}
	return b[:8]
}

// An encrypted .cfx file loads like the .cfg it holds (CFG-4 is about a
// .cfx configuration URL; this is the Web upload of one).
func TestLoadEncryptedConfigurationFile(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	cfx, err := config.EncryptFile([]byte("voip/media/media_port=6030\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := b.upload("/management/manual-update/configuration-file/load", "Conf.cfx", cfx)
	mustStatus(t, p, http.StatusOK)
	if st := tp.waitBoot(t, 2); st.Config.Get("voip/media/media_port") != "6030" {
		t.Fatal("cfx not applied")
	}
}

// A configuration for another model (system/type) is not applied (CFG-3).
// behaviour: CFG-3
func TestLoadConfigurationFileForAnotherModel(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	p := b.upload("/management/manual-update/configuration-file/load", "rx50.cfg", []byte("system/type=RX50\nvoip/media/media_port=6000\n"))
	mustStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "another model")
	if st := tp.phone.Snapshot(); st.BootCount != 1 || st.Config.Get("voip/media/media_port") != "4000" {
		t.Fatal("other-model file applied")
	}
}

func TestUploadRefusedFromContentLength(t *testing.T) {
	tp := startPhone(t, phoneOpts{cfg: web.Config{MaxConfigSize: 1024}})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	// Declare a huge body but send little: the phone answers from the
	// declared length without waiting for the rest.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "huge.cfg")
	fw.Write([]byte("voip/media/media_port=6000\n"))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/management/manual-update/configuration-file/load?csrf="+url.QueryEscape(b.csrf), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.ContentLength = 1 << 30
	res, err := b.c.Do(req)
	if err == nil {
		defer res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", res.StatusCode)
		}
	}
	// Either way (a response, or the connection closed on the short body),
	// nothing was applied and the phone runs.
	if st := tp.phone.Snapshot(); st.BootCount != 1 || st.Config.Get("voip/media/media_port") != "4000" || !st.Power {
		t.Fatal("oversized upload changed the phone")
	}
}

// behaviour: MAINT-5
// behaviour: WEB-5
func TestRestartSystemAsksFirst(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	mustContain(t, b.get("/management/administration/restart-system"), ">Restart</button>")
	p := b.post("/management/administration/restart-system", url.Values{"step": {"ask"}})
	mustContain(t, p, "Warning: Restart the phone?", `id="ok"`, `id="cancel"`)
	if tp.phone.Snapshot().BootCount != 1 {
		t.Fatal("restarted before OK")
	}
	p = b.post("/management/administration/restart-system", url.Values{"step": {"confirm"}})
	mustContain(t, p, "The phone is restarting")
	tp.waitBoot(t, 2)
}

// behaviour: MAINT-3
// behaviour: WEB-4
func TestRestoreDefaultsAsksFirst(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	tp.apply(t, "voip/media/media_port=6000\n")
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	mustContain(t, b.get("/management/administration/restore-defaults"), ">Submit</button>")
	p := b.post("/management/administration/restore-defaults", url.Values{"step": {"ask"}})
	mustContain(t, p, "Restore the phone to its factory defaults?", `id="ok"`)
	if st := tp.phone.Snapshot(); st.BootCount != 1 || st.Config.Get("voip/media/media_port") != "6000" {
		t.Fatal("restored before OK")
	}
	p = b.post("/management/administration/restore-defaults", url.Values{"step": {"confirm"}})
	mustContain(t, p, "factory defaults")
	st := tp.waitBoot(t, 2)
	if got := st.Config.Get("voip/media/media_port"); got != "4000" {
		t.Fatalf("media_port %q after restore", got)
	}
	if _, err := tp.phone.Flash().Read(device.RecordConfig); err == nil {
		t.Fatal("configuration still in flash after restore")
	}
	// Every session ended with the restore.
	mustStatus(t, b.get("/home"), http.StatusSeeOther)
	// The phone's HTTPS certificate is part of its identity: it stays.
	if _, err := tp.phone.Flash().Read(web.RecordHTTPSCert); err != nil {
		t.Fatalf("HTTPS certificate gone after restore: %v", err)
	}
}

// behaviour: WEB-3
func TestCheckNow(t *testing.T) {
	var calls atomic.Int32
	tp := startPhone(t, phoneOpts{cfg: web.Config{CheckNow: func(context.Context) error { calls.Add(1); return nil }}})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	page := "/management/automatic-update/automatic-provisioning"
	mustContain(t, b.get(page), "Check Now", "Dynamic")
	mustContain(t, b.post(page, nil), "The provisioning check ran")
	if calls.Load() != 1 {
		t.Fatalf("Check Now hook called %d times", calls.Load())
	}

	// Without a hook the page says so.
	tp2 := startPhone(t, phoneOpts{mac: "00:90:8f:00:00:09"})
	b2 := tp2.browser(t)
	b2.mustLogin("admin", "1234")
	p := b2.post(page, nil)
	mustStatus(t, p, http.StatusNotImplemented)
	mustContain(t, p, "not available")
}

// The Configuration File page's text pane changes settings (§2.2.5.4).
// behaviour: CFG-8
func TestEditConfigurationFileText(t *testing.T) {
	tp := startPhone(t, phoneOpts{})
	b := tp.browser(t)
	b.mustLogin("admin", "1234")
	const page = "/management/manual-update/configuration-file"
	text := b.get(page + "/save").body
	mustContain(t, b.post(page, url.Values{"config": {text}}), "Nothing was changed")

	edited := strings.Replace(text, "voip/media/media_port=4000\n", "voip/media/media_port=6010\n", 1)
	p := b.post(page, url.Values{"config": {edited}})
	mustContain(t, p, "1 settings changed.")
	st := tp.phone.Snapshot()
	if st.Config.Get("voip/media/media_port") != "6010" || st.BootCount != 1 {
		t.Fatalf("port %s boot %d", st.Config.Get("voip/media/media_port"), st.BootCount)
	}
	// Only the changed line became explicit: the delta is that one line.
	if got := cfgKeyLines(b.get(page + "/save?modified=1").body); strings.Join(got, ",") != "voip/media/media_port=6010" {
		t.Fatalf("delta after edit %q", got)
	}
	// A bad line refuses the whole text.
	bad := strings.Replace(edited, "voip/media/media_port=6010\n", "voip/media/media_port=6020\nnetwork/lan/vlan/id=x\n", 1)
	p = b.post(page, url.Values{"config": {bad}})
	mustStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "nothing was changed")
	if tp.phone.Snapshot().Config.Get("voip/media/media_port") != "6010" {
		t.Fatal("refused text applied")
	}
	// A setting that needs a restart restarts the phone.
	p = b.post(page, url.Values{"config": {"system/ac_http_proxy_ip=10.0.0.1\n"}})
	mustContain(t, p, "The phone is restarting")
	tp.waitBoot(t, 2)
}
