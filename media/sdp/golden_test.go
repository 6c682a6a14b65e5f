package sdp

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedKey returns a deterministic key so golden answers are stable.
func fixedKey(n int, seed byte) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

// phoneLocal is the factory-default phone: G722, PCMU, PCMA (codec_info
// 0..2), 20 ms, telephone-event 101, port 4000.
func phoneLocal(sec Security) Local {
	return Local{
		Origin: Origin{SessionID: 1000, Version: 1},
		Addr:   netip.MustParseAddr("127.0.0.1"),
		Port:   4000,
		Codecs: []Codec{
			{Name: "G722", PayloadType: 9, ClockRate: 8000},
			{Name: "PCMU", PayloadType: 0, ClockRate: 8000},
			{Name: "PCMA", PayloadType: 8, ClockRate: 8000},
		},
		Security: sec,
		Crypto: []Crypto{
			{Tag: 1, Suite: SuiteAES128SHA1_80, Key: fixedKey(30, 1)},
			{Tag: 2, Suite: SuiteAES128SHA1_32, Key: fixedKey(30, 101)},
		},
	}
}

// describe renders a Result for golden files.
func describe(r Result) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	f("codec: %s/%d pt=%d", r.Codec.Name, r.Codec.ClockRate, r.Codec.PayloadType)
	var recv []string
	for _, x := range r.Receive {
		recv = append(recv, fmt.Sprintf("%s/%d=%d", x.Name, x.ClockRate, x.PayloadType))
	}
	f("receive: %s", strings.Join(recv, " "))
	f("ptime: %d", r.Ptime)
	f("remote: %v rtcp: %v", r.Remote, r.RemoteRTCP)
	f("direction: %s", r.Direction)
	f("dtmf: send=%d recv=%d", r.DTMFSend, r.DTMFRecv)
	f("comfort noise: %v", r.ComfortNoise)
	if r.SRTP != nil {
		f("srtp: %s local=%x remote=%x", r.SRTP.Suite, r.SRTP.LocalKey, r.SRTP.RemoteKey)
	} else {
		f("srtp: none")
	}
	return b.String()
}

// TestAnswerGolden answers real and hand-made offers (baresip and linphone
// INVITE bodies captured on this bench, a SIPp scenario's, holds, several
// streams, no common codec, DTLS) under the three SRTP modes (voip/media/srtp/mode) and compares
// the result and the answer with testdata/<name>.golden.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-2
// behaviour: MEDIA-8
func TestAnswerGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".sdp")
		t.Run(name, func(t *testing.T) {
			offer, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for _, sec := range []Security{SecurityNone, SecurityOptional, SecurityRequired} {
				fmt.Fprintf(&got, "=== %s\n", sec)
				ans, r, err := Answer(phoneLocal(sec), offer)
				if err != nil {
					fmt.Fprintf(&got, "error: %v\n", err)
					continue
				}
				got.WriteString(describe(r))
				got.WriteString("--- answer\n")
				got.Write(bytes.ReplaceAll(ans, []byte("\r\n"), []byte("\n")))
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("answer to %s differs from %s:\n%s", file, golden, got.String())
			}
		})
	}
}

// TestOfferGolden pins the phone's own offers: codec order from the
// priority list, ptime, telephone-event 101, a=rtcp, keys by SRTP mode, and
// no ICE.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-3
// behaviour: SIP-2
func TestOfferGolden(t *testing.T) {
	hold := phoneLocal(SecurityNone)
	hold.Direction = SendOnly
	hold.Origin.Version = 2
	cn := phoneLocal(SecurityNone)
	cn.ComfortNoise = true
	cn.Codecs = []Codec{{Name: "PCMA", PayloadType: 8, ClockRate: 8000, Ptime: 30}, {Name: "SILK", PayloadType: -1, ClockRate: 16000}}
	cases := map[string]Local{
		"own-offer-none":     phoneLocal(SecurityNone),
		"own-offer-optional": phoneLocal(SecurityOptional),
		"own-offer-required": phoneLocal(SecurityRequired),
		"own-offer-hold":     hold,
		"own-offer-cn":       cn,
	}
	for name, l := range cases {
		t.Run(name, func(t *testing.T) {
			offer, err := Offer(l)
			if err != nil {
				t.Fatal(err)
			}
			for _, banned := range []string{"ice-", "candidate", "rtcp-mux"} {
				if bytes.Contains(offer, []byte(banned)) {
					t.Errorf("offer advertises %q:\n%s", banned, offer)
				}
			}
			if _, err := Parse(offer); err != nil {
				t.Fatalf("own offer does not parse: %v", err)
			}
			got := bytes.ReplaceAll(offer, []byte("\r\n"), []byte("\n"))
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("offer differs from %s:\n%s", golden, got)
			}
		})
	}
}
