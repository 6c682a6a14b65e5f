package provisioning

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// behaviour: PROV-8
func TestParseSpeedDial(t *testing.T) {
	got, err := ParseSpeedDial([]byte("\uFEFF1,4418,0\r\n2,4403,0\n\n# a comment\n3,039764432,0\n4,4391,0\n\"12\",\"1234\",\"0\"\n"))
	want := []SpeedDial{{1, "4418"}, {2, "4403"}, {3, "039764432"}, {4, "4391"}, {12, "1234"}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"1,4418", "1,4418,1", "x,4418,0", "1,,0", "1,44 18,0", "1,4418,0\n1,4419,0", "-1,4418,0", "1,2,0,4"} {
		if _, err := ParseSpeedDial([]byte(bad)); !errors.Is(err, ErrBadSpeedDial) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// The error names the line.
	if _, err := ParseSpeedDial([]byte("1,4418,0\n2,4403,7\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("%v", err)
	}
}

func FuzzParseSpeedDial(f *testing.F) {
	f.Add([]byte("1,4418,0\n12,1234,0\n"))
	f.Add([]byte("\uFEFF\"1\",\"4418\",\"0\"\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseSpeedDial(b)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, e := range entries {
			if seen[e.Key] || e.Number == "" || strings.ContainsAny(e.Number, " ,\n") {
				t.Fatalf("bad entry %+v", e)
			}
			seen[e.Key] = true
		}
	})
}

// behaviour: PROV-8
func TestFetchSpeedDial(t *testing.T) {
	s := lab(t, map[string][]byte{"cfg/speed_dial_list.txt": []byte("1,4418,0\n12,1234,0\n"), "cfg/bad.txt": []byte("1,4418,9\n")})
	p := provisioner(t, phone)
	ctx := context.Background()
	base := s.URL("http") + "/cfg/00908f000001.cfg"
	// The manual's example is a bare name, fetched beside the cfg.
	c := settings(t, "provisioning/speed_dial_uri", "speed_dial_list.txt")
	res, ok, err := p.FetchSpeedDial(ctx, c, base, [32]byte{})
	if err != nil || !ok || !res.Changed || len(res.Entries) != 2 || res.URL != s.URL("http")+"/cfg/speed_dial_list.txt" {
		t.Fatalf("%+v %v %v", res, ok, err)
	}
	// The same file again: not changed, no reboot.
	again, _, _ := p.FetchSpeedDial(ctx, c, base, res.Hash)
	if again.Changed {
		t.Fatal("unchanged file reported as changed")
	}
	for _, none := range []string{"", "NULL", "null"} {
		if _, ok, err := p.FetchSpeedDial(ctx, settings(t, "provisioning/speed_dial_uri", none), base, [32]byte{}); ok || err != nil {
			t.Errorf("%q: ok=%v err=%v", none, ok, err)
		}
	}
	if _, _, err := p.FetchSpeedDial(ctx, settings(t, "provisioning/speed_dial_uri", "tftp://"+s.TFTPAddr()+"/cfg/bad.txt"), "", [32]byte{}); !errors.Is(err, ErrBadSpeedDial) {
		t.Errorf("bad file: %v", err)
	}
	if _, _, err := p.FetchSpeedDial(ctx, settings(t, "provisioning/speed_dial_uri", "missing.txt"), base, [32]byte{}); !errors.Is(err, fetch.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

// wav makes a WAV file of the given format.
func wav(tag uint16, rate uint32, bits uint16, channels uint16) []byte {
	var b bytes.Buffer
	data := make([]byte, 1600)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, tag)
	binary.Write(&b, binary.LittleEndian, channels)
	binary.Write(&b, binary.LittleEndian, rate)
	binary.Write(&b, binary.LittleEndian, rate*uint32(bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(bits/8))
	binary.Write(&b, binary.LittleEndian, bits)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

type entry struct {
	name string
	body []byte
	link bool
}

func zipOf(t testing.TB, entries ...entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.link {
			h.SetMode(0o777 | 1<<27) // os.ModeSymlink
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.body)
	}
	zw.Close()
	return b.Bytes()
}

func tgzOf(t testing.TB, entries ...entry) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link {
			h = &tar.Header{Name: e.name, Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.body)
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}

// behaviour: PROV-9
func TestUnpackTones(t *testing.T) {
	alaw, ulaw, pcm := wav(6, 8000, 8, 1), wav(7, 8000, 8, 1), wav(1, 16000, 16, 1)
	good := []entry{{"tones/Ring12.wav", alaw, false}, {"tones/Ring13.WAV", ulaw, false}, {"Wide.wav", pcm, false}, {"README.txt", []byte("hi"), false}}
	for name, bundle := range map[string][]byte{"zip": zipOf(t, good...), "tgz": tgzOf(t, good...)} {
		tones, err := UnpackTones(bundle, BundleLimits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, tn := range tones {
			got = append(got, tn.Name+" "+tn.Format)
		}
		want := []string{"Ring12.wav alaw/8000", "Ring13.WAV ulaw/8000", "Wide.wav pcm16/16000"}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %q", name, got)
		}
	}
	bad := []struct {
		name string
		data []byte
	}{
		{"path escape (zip)", zipOf(t, entry{"../../etc/Ring.wav", alaw, false})},
		{"path escape (tgz)", tgzOf(t, entry{"tones/../../x.wav", alaw, false})},
		{"absolute path", tgzOf(t, entry{"/etc/x.wav", alaw, false})},
		{"backslash path", zipOf(t, entry{"..\\x.wav", alaw, false})},
		{"symlink (tgz)", tgzOf(t, entry{"Ring.wav", nil, true})},
		{"symlink (zip)", zipOf(t, entry{"Ring.wav", []byte("/etc/passwd"), true})},
		{"stereo", zipOf(t, entry{"s.wav", wav(1, 16000, 16, 2), false})},
		{"PCM at 8 kHz", zipOf(t, entry{"s.wav", wav(1, 8000, 16, 1), false})},
		{"not a WAV", zipOf(t, entry{"s.wav", []byte("ID3 mp3 data"), false})},
		{"two tones with one name", zipOf(t, entry{"a/R.wav", alaw, false}, entry{"b/R.wav", alaw, false})},
		{"no tones", zipOf(t, entry{"README.txt", []byte("x"), false})},
		{"not an archive", []byte("hello")},
		{"truncated tgz", tgzOf(t, good...)[:100]},
	}
	for _, tt := range bad {
		if _, err := UnpackTones(tt.data, BundleLimits{}); !errors.Is(err, ErrBadBundle) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// Limits, whatever the archive claims: a highly compressible big file.
	huge := wav(6, 8000, 8, 1)
	huge = append(huge, make([]byte, 5<<20)...)
	if _, err := UnpackTones(zipOf(t, entry{"big.wav", huge, false}), BundleLimits{}); !errors.Is(err, ErrBadBundle) {
		t.Errorf("a 5 MiB tone: %v", err)
	}
	var many []entry
	for i := range 40 {
		many = append(many, entry{name: "r" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".wav", body: alaw})
	}
	if _, err := UnpackTones(tgzOf(t, many...), BundleLimits{}); !errors.Is(err, ErrBadBundle) {
		t.Errorf("40 tones: %v", err)
	}
}

func FuzzUnpackTones(f *testing.F) {
	a := wav(6, 8000, 8, 1)
	f.Add(zipOf(f, entry{"R.wav", a, false}))
	f.Add(tgzOf(f, entry{"t/R.wav", a, false}))
	f.Fuzz(func(t *testing.T, b []byte) {
		tones, err := UnpackTones(b, BundleLimits{MaxFile: 1 << 16, MaxTotal: 1 << 18})
		if err != nil {
			return
		}
		for _, tn := range tones {
			if strings.ContainsAny(tn.Name, "/\\") || tn.Name == ".." || len(tn.Data) > 1<<16 {
				t.Fatalf("unsafe tone %q (%d bytes)", tn.Name, len(tn.Data))
			}
		}
	})
}

// behaviour: PROV-9
func TestFetchRingTones(t *testing.T) {
	bundle := tgzOf(t, entry{"Ring12.wav", wav(6, 8000, 8, 1), false})
	s := lab(t, map[string][]byte{"tones.tgz": bundle})
	p := provisioner(t, phone)
	c := settings(t, "provisioning/ring_tone_uri", "tones.tgz")
	res, ok, err := p.FetchRingTones(context.Background(), c, s.URL("tftp")+"/00908f000001.cfg", [32]byte{}, BundleLimits{})
	if err != nil || !ok || len(res.Tones) != 1 || !res.Changed {
		t.Fatalf("%+v %v %v", res, ok, err)
	}
	if _, ok, _ := p.FetchRingTones(context.Background(), settings(t), "", [32]byte{}, BundleLimits{}); ok {
		t.Fatal("no ring_tone_uri, yet fetched")
	}
}

// behaviour: PROV-11
func TestFetchCertificates(t *testing.T) {
	ca := testpeer.NewCA(t, t.TempDir(), "Enterprise Root")
	other := testpeer.NewCA(t, t.TempDir(), "Other")
	client := ca.Issue(t, testpeer.LeafOptions{Client: true})
	stranger := other.Issue(t, testpeer.LeafOptions{Client: true, Name: "stranger"})
	s := lab(t, map[string][]byte{
		"certs/root.pem":   ca.CertPEM,
		"certs/other.pem":  other.CertPEM,
		"certs/sip.crt":    client.CertPEM,
		"certs/sip.key":    client.KeyPEM,
		"certs/wrong.key":  stranger.KeyPEM,
		"certs/broken.pem": []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
	})
	base := s.URL("http") + "/certs/00908f000001.cfg"
	c := settings(t,
		"security/ca_certificate/0/uri", "root.pem",
		"security/ca_certificate/2/uri", s.URL("tftp")+"/certs/other.pem",
		"security/ca_certificate/3/uri", "broken.pem",
		"security/ca_certificate/4/uri", "missing.pem",
		"security/sip_certificate_uri", "sip.crt",
		"security/sip_private_key_uri", "sip.key",
		"security/autoupdate_certificate_uri", "sip.crt",
		"security/autoupdate_private_key_uri", "wrong.key",
		"security/ieee802_1x_certificate_uri", "sip.crt",
	)
	uris := CertificateURIsFrom(c)
	certs, err := provisioner(t, phone).FetchCertificates(context.Background(), uris, base)
	if !bytes.Equal(certs.CA[0], ca.CertPEM) || !bytes.Equal(certs.CA[2], other.CertPEM) || certs.CA[1] != nil ||
		certs.CA[3] != nil || certs.CA[4] != nil || len(certs.CAs()) != 2 {
		t.Fatalf("CAs: %q", certs.CA)
	}
	if !bytes.Equal(certs.SIP.Cert, client.CertPEM) || !bytes.Equal(certs.SIP.Key, client.KeyPEM) {
		t.Fatal("SIP pair missing")
	}
	if certs.AutoUpdate.Cert != nil || certs.Dot1X.Cert != nil {
		t.Fatal("a mismatched or half pair was accepted")
	}
	// Each failure is reported: broken CA, missing CA, key mismatch, half pair.
	for _, want := range []string{"CA certificate 3", "CA certificate 4", "provisioning client", "802.1X needs both"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// The fetched CA then makes an HTTPS server trusted (fetch.TLSConfig.CAs).
	if _, err := fetch.New(fetch.Config{TLS: fetch.TLSConfig{CAs: certs.CAs(), ClientCert: certs.SIP.Cert, ClientKey: certs.SIP.Key}}); err != nil {
		t.Fatal(err)
	}
}

// behaviour: PROV-10
func TestFetchMusicOnHold(t *testing.T) {
	small := wav(1, 16000, 16, 1)
	big := append(wav(7, 8000, 8, 1), make([]byte, 300<<10)...)
	s := lab(t, map[string][]byte{"moh.wav": small, "big.wav": big, "stereo.wav": wav(1, 16000, 16, 2)})
	p := provisioner(t, phone)
	ctx := context.Background()
	tone, ok, err := p.FetchMusicOnHold(ctx, settings(t, "lync/moh/url", "tftp://"+s.TFTPAddr()+"/moh.wav"), "")
	if err != nil || !ok || tone.Format != "pcm16/16000" || !bytes.Equal(tone.Data, small) {
		t.Fatalf("%+v %v %v", tone.Format, ok, err)
	}
	for _, bad := range []string{"big.wav", "stereo.wav"} {
		if _, _, err := p.FetchMusicOnHold(ctx, settings(t, "lync/moh/url", "tftp://"+s.TFTPAddr()+"/"+bad), ""); !errors.Is(err, ErrBadMusicOnHold) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, ok, _ := p.FetchMusicOnHold(ctx, settings(t), ""); ok {
		t.Error("fetched without lync/moh/url")
	}
}
