package provisioning

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/fileserver"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

const running = "UC_3.4.8.808"

func image(t testing.TB, version string, models ...string) []byte {
	t.Helper()
	p := make([]byte, 200_000)
	rand.Read(p)
	img, err := firmware.Build(models, version, p)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// lab starts the lab file server with files.
func lab(t *testing.T, files map[string][]byte) *fileserver.Server {
	t.Helper()
	s, err := fileserver.New(fileserver.Config{Files: files, TFTPTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func provisioner(t testing.TB, id Identity) *Provisioner {
	t.Helper()
	f, err := fetch.New(fetch.Config{UserAgent: "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1",
		Timeout: 5 * time.Second, TFTPTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Identity: id, Running: running, Fetcher: f,
		LookupHost: func(context.Context, string) ([]string, error) { return nil, errors.New("no DNS in tests") }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func logLines(s *fileserver.Server) []string {
	var out []string
	for _, e := range s.Log() {
		out = append(out, e.String())
	}
	return out
}

// waitLog waits until the server has logged n requests (TFTP entries are
// written when the transfer's last packet is in, a moment after the client).
func waitLog(t *testing.T, s *fileserver.Server, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); len(s.Log()) < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return logLines(s)
}

// behaviour: PROV-1
// behaviour: PROV-13
// behaviour: CFG-3
func TestCheckOrder(t *testing.T) {
	cfgText := []byte("voip/line/0/id=1001\nvoip/line/0/enabled=1\n")
	for _, scheme := range []string{"http", "tftp"} {
		t.Run(scheme, func(t *testing.T) {
			t.Run("a different (newer) image: upgrade, no configuration", func(t *testing.T) {
				s := lab(t, map[string][]byte{"450HD.img": image(t, "UC_3.4.9.1", "450HD", "C450HD"), "00908f000001.cfg": cfgText})
				out, err := provisioner(t, phone).Check(context.Background(), settings(t),
					DHCP{Options: map[int]string{160: s.URL(scheme)}})
				if err != nil || out.FirmwareErr != nil {
					t.Fatal(err, out.FirmwareErr)
				}
				if !out.Firmware.Upgrade || out.Firmware.Header.Version != "UC_3.4.9.1" || out.Config != nil {
					t.Fatalf("%+v", out)
				}
				log := waitLog(t, s, 1)
				if len(log) != 1 || !strings.Contains(log[0], "fetched 450HD.img header ("+scheme) {
					t.Fatalf("server log %q: want only the header read", log)
				}
				// The integrator then downloads the whole image into its
				// flash writer.
				var flash bytes.Buffer
				h, err := provisioner(t, phone).DownloadFirmware(context.Background(), out.Firmware.URL, &flash)
				if err != nil || h.Version != "UC_3.4.9.1" || flash.Len() != 200_000 {
					t.Fatalf("download: %v %v %d", h, err, flash.Len())
				}
			})
			t.Run("an older image is installed too", func(t *testing.T) {
				s := lab(t, map[string][]byte{"450HD.img": image(t, "UC_3.4.6.604", "450HD")})
				out, _ := provisioner(t, phone).Check(context.Background(), settings(t), DHCP{Options: map[int]string{160: s.URL(scheme)}})
				if !out.Firmware.Upgrade {
					t.Fatalf("%+v", out)
				}
			})
			t.Run("same version: the configuration is fetched and applied", func(t *testing.T) {
				s := lab(t, map[string][]byte{"450HD.img": image(t, running, "450HD"), "00908f000001.cfg": cfgText})
				base := settings(t, "voip/line/0/auth_name", "kept")
				out, err := provisioner(t, phone).Check(context.Background(), base, DHCP{Options: map[int]string{160: s.URL(scheme)}})
				if err != nil || out.Firmware.Upgrade || out.ConfigErr != nil || out.Config == nil {
					t.Fatalf("%+v %v", out, err)
				}
				c := out.Config.Config
				if c.Get("voip/line/0/id") != "1001" || c.Get("voip/line/0/auth_name") != "kept" {
					t.Fatalf("applied: id=%q auth_name=%q", c.Get("voip/line/0/id"), c.Get("voip/line/0/auth_name"))
				}
				if base.Get("voip/line/0/id") == "1001" {
					t.Fatal("the running configuration was changed in place")
				}
				if len(out.Config.Changes) != 2 {
					t.Fatalf("changes %+v", out.Config.Changes)
				}
				// Over TFTP each transfer is logged when it ends, so the
				// order of the lines is not the order of the requests.
				log := waitLog(t, s, 2)
				if len(log) != 2 || !hasLine(log, "450HD.img header") || !hasLine(log, "fetched 00908f000001.cfg") {
					t.Fatalf("server log %q", log)
				}
			})
			t.Run("no per-phone file: the model's", func(t *testing.T) {
				s := lab(t, map[string][]byte{"450HD.cfg": []byte("system/type=450HD\nvoip/line/0/id=7\n")})
				out, _ := provisioner(t, phone).Check(context.Background(), settings(t), DHCP{Options: map[int]string{160: s.URL(scheme)}})
				if out.Config == nil || out.Config.Config.Get("voip/line/0/id") != "7" || !errors.Is(out.FirmwareErr, fetch.ErrNotFound) {
					t.Fatalf("%+v", out)
				}
				log := waitLog(t, s, 3)
				if len(log) != 3 || !hasLine(log, "00908f000001.cfg: not found") || !hasLine(log, "fetched 450HD.cfg") {
					t.Fatalf("server log %q", log)
				}
			})
			t.Run("an image for another model is refused; the configuration still applies", func(t *testing.T) {
				s := lab(t, map[string][]byte{"450HD.img": image(t, "UC_3.4.9.1", "445HD"), "00908f000001.cfg": cfgText})
				out, _ := provisioner(t, phone).Check(context.Background(), settings(t), DHCP{Options: map[int]string{160: s.URL(scheme)}})
				if out.Firmware.Upgrade || !errors.Is(out.FirmwareErr, firmware.ErrWrongModel) || out.Config == nil {
					t.Fatalf("%+v", out)
				}
			})
			t.Run("a configuration for another model is not applied", func(t *testing.T) {
				s := lab(t, map[string][]byte{"00908f000001.cfg": []byte("voip/line/0/id=9\nsystem/type=445HD\n")})
				out, _ := provisioner(t, phone).Check(context.Background(), settings(t), DHCP{Options: map[int]string{160: s.URL(scheme) + "/;<MAC>.cfg"}})
				if out.Config != nil || !errors.Is(out.ConfigErr, ErrWrongModel) {
					t.Fatalf("%+v", out)
				}
			})
		})
	}
}

// behaviour: CFG-4
func TestEncryptedConfiguration(t *testing.T) {
	cfx, err := config.EncryptFile([]byte("voip/line/0/id=4242\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := lab(t, map[string][]byte{"00908f000001.cfx": cfx, "broken.cfx": cfx[:len(cfx)-8], "plain.cfx": []byte("voip/line/0/id=1\n")})
	p := provisioner(t, phone)
	ctx := context.Background()
	res, err := p.FetchConfig(ctx, Source{Configs: []string{s.URL("http") + "/00908f000001.cfx"}}, settings(t))
	if err != nil || res.Config.Get("voip/line/0/id") != "4242" || string(res.Text) != "voip/line/0/id=4242\n" {
		t.Fatalf("%v %+v", err, res)
	}
	for _, bad := range []string{"broken.cfx", "plain.cfx"} {
		if _, err := p.FetchConfig(ctx, Source{Configs: []string{s.URL("tftp") + "/" + bad}}, settings(t)); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestBadDownloadsChangeNothing(t *testing.T) {
	good := image(t, "UC_3.4.9.1", "450HD")
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0xff
	s := lab(t, map[string][]byte{
		"corrupt.img":   corrupt,
		"truncated.img": good[:len(good)-1000],
		"other.img":     image(t, "UC_3.4.9.1", "RX50"),
		"garbage.img":   []byte("<html>not an image</html>"),
		"bad.cfg":       []byte("voip/line/0/id=1\nthis line is not key=value\n"),
	})
	p := provisioner(t, phone)
	ctx := context.Background()
	for name, want := range map[string]error{"corrupt.img": firmware.ErrCorrupt, "truncated.img": firmware.ErrTruncated,
		"other.img": firmware.ErrWrongModel, "missing.img": fetch.ErrNotFound} {
		for _, scheme := range []string{"http", "tftp"} {
			if _, err := p.DownloadFirmware(ctx, s.URL(scheme)+"/"+name, &bytes.Buffer{}); !errors.Is(err, want) {
				t.Errorf("%s over %s: %v, want %v", name, scheme, err, want)
			}
		}
	}
	if _, err := p.CheckFirmware(ctx, Source{Firmware: s.URL("http") + "/garbage.img"}); !errors.Is(err, firmware.ErrNotImage) {
		t.Errorf("garbage header: %v", err)
	}
	base := settings(t)
	res, err := p.FetchConfig(ctx, Source{Configs: []string{s.URL("http") + "/bad.cfg"}}, base)
	if !errors.Is(err, config.ErrRejected) || res.Config != nil || base.Get("voip/line/0/id") == "1" {
		t.Errorf("bad cfg: %v %+v", err, res)
	}
	if _, err := p.FetchConfig(ctx, Source{Configs: []string{s.URL("http") + "/a.cfg", s.URL("http") + "/b.cfg"}}, base); !errors.Is(err, ErrNoConfig) {
		t.Errorf("no cfg: %v", err)
	}
}

// The whole check against the real servers: nginx (option 160 over HTTP),
// tftpd-hpa (options 66/67) and vsftpd (option 160 over FTP).
func TestCheckAgainstRealServers(t *testing.T) {
	newer := image(t, "UC_3.4.9.1", "450HD")
	same := image(t, running, "450HD")
	cfg := []byte(";UC_3.4.8.808\nvoip/line/0/id=1001\nsystem/type=450HD\n")
	put := func(root string, files map[string][]byte) {
		for n, b := range files {
			p := filepath.Join(root, n)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx := context.Background()
	check := func(t *testing.T, dhcp DHCP, wantUpgrade bool) Outcome {
		t.Helper()
		out, err := provisioner(t, phone).Check(ctx, settings(t), dhcp)
		if err != nil || out.FirmwareErr != nil {
			t.Fatalf("%v %v", err, out.FirmwareErr)
		}
		if out.Firmware.Upgrade != wantUpgrade {
			t.Fatalf("upgrade %v, want %v", out.Firmware.Upgrade, wantUpgrade)
		}
		if !wantUpgrade && (out.ConfigErr != nil || out.Config.Config.Get("voip/line/0/id") != "1001") {
			t.Fatalf("config: %v", out.ConfigErr)
		}
		return out
	}
	t.Run("nginx", func(t *testing.T) {
		n := testpeer.StartNginx(t, testpeer.NginxOptions{})
		put(n.Root, map[string][]byte{"fw/450HD.img": newer, "fw/same.img": same, "fw/00908f000001.cfg": cfg})
		check(t, DHCP{Options: map[int]string{160: "http://" + n.HTTP + "/fw/"}}, true)
		check(t, DHCP{Options: map[int]string{160: "http://" + n.HTTP + "/fw/same.img;<MAC>.cfg"}}, false)
		waitFor(t, n.AccessLog, `"GET /fw/same.img HTTP/1.1" 206 512 "bytes=0-511"`)
		waitFor(t, n.AccessLog, `"GET /fw/00908f000001.cfg HTTP/1.1" 200`)
	})
	t.Run("tftpd-hpa", func(t *testing.T) {
		td := testpeer.StartTFTPD(t)
		put(td.Root, map[string][]byte{"450HD_2.0.9.img": newer, "450HD.img": same, "00908f000001.cfg": cfg})
		check(t, DHCP{Options: map[int]string{66: td.Addr, 67: "450HD_2.0.9.img"}}, true)
		check(t, DHCP{Options: map[int]string{66: td.Addr}}, false)
	})
	t.Run("vsftpd", func(t *testing.T) {
		v := testpeer.StartVsftpd(t)
		put(v.Root, map[string][]byte{"450HD.img": newer, "same.img": same, "00908f000001.cfg": cfg})
		check(t, DHCP{Options: map[int]string{160: "ftp://" + v.Addr}}, true)
		user := testpeer.FTPUser + ":" + testpeer.FTPPassword + "@"
		out := check(t, DHCP{Options: map[int]string{160: "ftp://" + user + v.Addr + "/same.img;<MAC>.cfg"}}, false)
		if !slices.Equal(out.Source.Configs, []string{"ftp://" + user + v.Addr + "/00908f000001.cfg"}) {
			t.Fatalf("%q", out.Source.Configs)
		}
	})
}

func waitFor(t *testing.T, read func() string, substr string) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(read(), substr) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", substr, read())
		}
	}
}

func hasLine(log []string, substr string) bool {
	return slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, substr) })
}

// provisioning/custom_configuration/url names a second file, applied on
// top of the main one (relative names beside it, <MAC> replaced). A custom
// file that is missing, rejected or for another model loses nothing: the
// main file applies and the problem is among the issues. A custom file
// naming another is not followed.
func TestCustomConfiguration(t *testing.T) {
	main := func(ref string) []byte {
		return []byte("voip/line/0/id=1001\nvoip/line/0/description=main\nprovisioning/custom_configuration/url=" + ref + "\n")
	}
	s := lab(t, map[string][]byte{
		"relative.cfg":            main("custom/<MAC>.cfg"),
		"custom/00908f000001.cfg": []byte("voip/line/0/description=custom\nprovisioning/custom_configuration/url=loop.cfg\n"),
		"custom/loop.cfg":         []byte("voip/line/0/description=loop\n"),
		"missing.cfg":             main("nowhere.cfg"),
		"rejected.cfg":            main("bad.cfg"),
		"bad.cfg":                 []byte("voip/line/0/description=bad\nnot a key value line\n"),
		"model.cfg":               main("other-model.cfg"),
		"other-model.cfg":         []byte("system/type=RX50\nvoip/line/0/description=rx50\n"),
	})
	p := provisioner(t, phone)
	ctx := context.Background()
	// The absolute form, over TFTP, from a main file fetched over HTTP.
	abs := main(s.URL("tftp") + "/custom/<MAC>.cfg")
	s2 := lab(t, map[string][]byte{"abs.cfg": abs})
	for _, tc := range []struct {
		name, url, description, issue string
	}{
		{"relative", s.URL("http") + "/relative.cfg", "custom", ""},
		{"absolute", s2.URL("http") + "/abs.cfg", "custom", ""},
		{"missing", s.URL("http") + "/missing.cfg", "main", "nowhere.cfg"},
		{"rejected", s.URL("http") + "/rejected.cfg", "main", "bad.cfg"},
		{"another model", s.URL("http") + "/model.cfg", "main", "RX50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.FetchConfig(ctx, Source{Configs: []string{tc.url}}, settings(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Config.Get("voip/line/0/description"); got != tc.description {
				t.Errorf("description %q, want %q", got, tc.description)
			}
			if res.Config.Get("voip/line/0/id") != "1001" || res.URL != tc.url {
				t.Errorf("the main file's keys or URL were lost: %q %q", res.Config.Get("voip/line/0/id"), res.URL)
			}
			var issues []string
			for _, is := range res.Issues {
				issues = append(issues, is.Error())
			}
			all := strings.Join(issues, "\n")
			if tc.issue == "" && strings.Contains(all, KeyCustomConfig) {
				t.Errorf("issues: %s", all)
			}
			if tc.issue != "" && !strings.Contains(all, tc.issue) {
				t.Errorf("issues %q do not mention %q", all, tc.issue)
			}
			if !slices.ContainsFunc(res.Changes, func(c config.Change) bool { return c.Key == "voip/line/0/description" }) {
				t.Errorf("changes %+v do not list the description", res.Changes)
			}
		})
	}
}
