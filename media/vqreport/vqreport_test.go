package vqreport_test

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/vqreport"
)

func sample() *vqreport.Report {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	local := vqreport.Unknown()
	local.Start, local.Stop = start, start.Add(95*time.Second)
	local.PayloadType, local.Codec, local.SampleRate = 0, "PCMU", 8000
	local.FrameDuration, local.FramesPerPacket, local.PacketsPerSec = 20*time.Millisecond, 1, 50
	local.PLC = vqreport.PLCStandard
	local.JBMode, local.JBNominal, local.JBMax, local.JBAbsMax = vqreport.JBAdaptive, 40*time.Millisecond, 80*time.Millisecond, 300*time.Millisecond
	local.LossRate, local.DiscardRate = 2.5, 0.5
	local.BurstDensity, local.BurstDuration, local.GapDensity, local.GapDuration, local.Gmin = 20, 60*time.Millisecond, 1.2, 4000*time.Millisecond, 16
	local.RoundTrip, local.EndSystem, local.OneWay, local.Jitter = 30*time.Millisecond, 60*time.Millisecond, 15*time.Millisecond, 4*time.Millisecond
	local.RCQ, local.MOSLQ, local.MOSCQ, local.Algorithm = 87, 4.2, 4.1, vqreport.Algorithm
	remote := vqreport.Unknown()
	remote.Start, remote.Stop = local.Start, local.Stop
	remote.LossRate, remote.MOSLQ, remote.MOSCQ = 0, 4.4, 4.3
	return &vqreport.Report{
		CallTerm: true, CallID: "a84b4c76e66710",
		LocalID: `"Desk 1001" <sip:1001@sip.test>`, RemoteID: "<sip:1002@sip.test>", OrigID: `"Desk 1001" <sip:1001@sip.test>`,
		LocalGroup: "450HD-00908f0a0b0c",
		LocalAddr:  vqreport.Endpoint{IP: netip.MustParseAddr("10.1.2.3"), Port: 4000, SSRC: 0x1234abcd},
		RemoteAddr: vqreport.Endpoint{IP: netip.MustParseAddr("10.1.2.4"), Port: 4002, SSRC: 0xfedc},
		LocalMAC:   "00:90:8f:0a:0b:0c",
		Local:      local, Remote: &remote,
		DialogID: "a84b4c76e66710;to-tag=314159;from-tag=1928301774",
	}
}

// The body is RFC 6035's: its kind first, the session's identities and
// addresses, LocalMetrics and RemoteMetrics with their metric lines in the
// RFC's order and units (ms, percent, MOS to one decimal), DialogID last,
// CRLF line ends.
func TestMarshal(t *testing.T) {
	got := string(sample().Marshal())
	want := "VQSessionReport: CallTerm\r\n" +
		"CallID: a84b4c76e66710\r\n" +
		"LocalID: \"Desk 1001\" <sip:1001@sip.test>\r\n" +
		"RemoteID: <sip:1002@sip.test>\r\n" +
		"OrigID: \"Desk 1001\" <sip:1001@sip.test>\r\n" +
		"LocalGroup: 450HD-00908f0a0b0c\r\n" +
		"LocalAddr: IP=10.1.2.3 PORT=4000 SSRC=0x1234ABCD\r\n" +
		"LocalMAC: 00:90:8f:0a:0b:0c\r\n" +
		"RemoteAddr: IP=10.1.2.4 PORT=4002 SSRC=0x0000FEDC\r\n" +
		"LocalMetrics:\r\n" +
		"Timestamps: START=2026-11-26T10:00:00Z STOP=2026-11-26T10:01:35Z\r\n" +
		"SessionDesc: PT=0 PD=PCMU SR=8000 FD=20 FPP=1 PPS=50 PLC=3 SSUP=off\r\n" +
		"JitterBuffer: JBA=3 JBN=40 JBM=80 JBX=300\r\n" +
		"PacketLoss: NLR=2.5 JDR=0.5\r\n" +
		"BurstGapLoss: BLD=20.0 BD=60 GLD=1.2 GD=4000 GMIN=16\r\n" +
		"Delay: RTD=30 ESD=60 SOWD=15 IAJ=4\r\n" +
		"QualityEst: RCQ=87 MOSLQ=4.2 MOSCQ=4.1 QoEEstAlg=ITU-T G.107\r\n" +
		"RemoteMetrics:\r\n" +
		"Timestamps: START=2026-11-26T10:00:00Z STOP=2026-11-26T10:01:35Z\r\n" +
		"JitterBuffer: JBA=0\r\n" +
		"PacketLoss: NLR=0.0 JDR=0.0\r\n" +
		"BurstGapLoss: BLD=0.0 GLD=0.0\r\n" +
		"QualityEst: MOSLQ=4.4 MOSCQ=4.3\r\n" +
		"DialogID: a84b4c76e66710;to-tag=314159;from-tag=1928301774\r\n"
	if got != want {
		t.Errorf("body:\n%s\nwant:\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	in := sample()
	in.Local.Algorithm = "P.564" // one word: QoEEstAlg is read up to a space
	out, err := vqreport.Parse(in.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != vqreport.SessionReport || !out.CallTerm || out.CallID != in.CallID || out.LocalID != in.LocalID ||
		out.RemoteID != in.RemoteID || out.OrigID != in.OrigID || out.LocalGroup != in.LocalGroup || out.LocalMAC != in.LocalMAC ||
		out.LocalAddr != in.LocalAddr || out.RemoteAddr != in.RemoteAddr || out.DialogID != in.DialogID {
		t.Errorf("session info:\n%+v\nwant\n%+v", out, in)
	}
	if out.Local != in.Local {
		t.Errorf("local metrics:\n%+v\nwant\n%+v", out.Local, in.Local)
	}
	if out.Remote == nil || out.Remote.MOSLQ != 4.4 || out.Remote.Codec != "" || out.Remote.RoundTrip != -1 {
		t.Errorf("remote metrics %+v", out.Remote)
	}
}

// Other reporters write without a space after the colon, add x- lines,
// FMTP in quotes, Signal and MAJ: all read, the unknown skipped.
func TestParseCompactForm(t *testing.T) {
	body, err := os.ReadFile("testdata/compact.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := vqreport.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	l := r.Local
	if r.CallID != "7f3a91c2e05d@192.0.2.10" || r.RemoteID != `"Front Desk" <sip:2000@pbx.example.net;user=phone>` ||
		r.LocalAddr.Port != 52040 || r.RemoteAddr.SSRC != 0x99887766 || r.LocalMAC != "000413AABBCC" {
		t.Errorf("session info %+v", r)
	}
	if l.Codec != "G722" || l.PayloadType != 9 || l.SampleRate != 16000 || l.FMTP != "bitrate=64000" || l.JBRate != 2 ||
		l.LossRate != 1.5 || l.BurstDuration != 80*time.Millisecond || l.OneWay != 32*time.Millisecond ||
		l.RLQ != 88 || l.MOSCQ != 4.0 || l.Algorithm != "P.564" || l.Stop.Sub(l.Start) != 158*time.Second {
		t.Errorf("local metrics %+v", l)
	}
	if r.Remote == nil || r.Remote.MOSLQ != 4.3 || r.Remote.JBNominal != 30*time.Millisecond {
		t.Errorf("remote metrics %+v", r.Remote)
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"empty":                 "",
		"not a report":          "SIP/2.0 200 OK\r\n",
		"metric before section": "VQSessionReport\r\nCallID: x\r\nPacketLoss: NLR=1\r\n",
		"bad number":            "VQSessionReport\r\nLocalMetrics:\r\nPacketLoss: NLR=lots\r\n",
		"bad address":           "VQSessionReport\r\nLocalAddr: IP=300.1.1.1 PORT=1 SSRC=0x1\r\n",
		"bad port":              "VQSessionReport\r\nLocalAddr: IP=10.0.0.1 PORT=70000 SSRC=0x1\r\n",
		"bad time":              "VQSessionReport\r\nLocalMetrics:\r\nTimestamps: START=yesterday STOP=now\r\n",
		"line without colon":    "VQSessionReport\r\nCallID x\r\n",
	} {
		if _, err := vqreport.Parse([]byte(body)); !errors.Is(err, vqreport.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := vqreport.Parse([]byte("VQAlertReport: MOSLQ Warning local\r\nCallID: y\r\n")); err != nil {
		t.Errorf("alert report: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample().Marshal())
	if b, err := os.ReadFile("testdata/compact.txt"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("VQIntervalReport\r\nLocalMetrics:\r\nSessionDesc: FMTP=\"a b\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := vqreport.Parse(body)
		if err != nil {
			if !errors.Is(err, vqreport.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		// What was read writes out as a report that reads again.
		if _, err := vqreport.Parse(r.Marshal()); err != nil {
			t.Fatalf("re-reading the written report: %v\n%q", err, r.Marshal())
		}
	})
}

// RFC 6035 writes SSRCs as 0x and eight hex digits; liblinphone writes
// them in decimal. A collector reads both.
func TestParseSSRCForms(t *testing.T) {
	for in, want := range map[string]uint32{
		"SSRC=0x6A84C2B1":  0x6a84c2b1,
		"SSRC=0x6a84c2b1":  0x6a84c2b1,
		"SSRC=1787078582":  1787078582,
		"SSRC=6A84C2B1":    0x6a84c2b1,
		"SSRC=0x0000FEDC ": 0xfedc,
	} {
		r, err := vqreport.Parse([]byte("VQSessionReport\r\nLocalAddr: IP=10.0.0.1 PORT=4000 " + in + "\r\n"))
		if err != nil || r.LocalAddr.SSRC != want {
			t.Errorf("%s: %v %#x, want %#x", in, err, r.LocalAddr.SSRC, want)
		}
	}
	if _, err := vqreport.Parse([]byte("VQSessionReport\r\nLocalAddr: IP=10.0.0.1 SSRC=99999999999\r\n")); !errors.Is(err, vqreport.ErrMalformed) {
		t.Errorf("an SSRC wider than 32 bits: %v", err)
	}
}

// A reporter may leave metric lines out (the RX50 omits four).
func TestMarshalOmits(t *testing.T) {
	r := sample()
	r.Local.Omit = vqreport.JitterBufferLine | vqreport.BurstGapLossLine | vqreport.SignalLine | vqreport.QualityEstLine
	body := string(r.Marshal())
	local, remote, _ := strings.Cut(body, "RemoteMetrics:")
	for _, name := range []string{"JitterBuffer:", "BurstGapLoss:", "QualityEst:"} {
		if strings.Contains(local, name) {
			t.Errorf("local metrics keep %s:\n%s", name, local)
		}
		if !strings.Contains(remote, name) {
			t.Errorf("remote metrics lost %s:\n%s", name, remote)
		}
	}
	if !strings.Contains(local, "PacketLoss: NLR=2.5") || !strings.Contains(local, "Delay: RTD=30") {
		t.Errorf("the other lines went too:\n%s", local)
	}
}
