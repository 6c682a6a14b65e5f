//go:build linux

package media

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
	"github.com/hdphone/hdphone/media/sdp"
)

// ffmpegCodecs are the codecs tested against ffmpeg: SDP format, ffmpeg
// encoder and PCM rate.
var ffmpegCodecs = []struct {
	format  sdp.Format
	encoder string
	rate    int
}{
	{sdp.Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}, "pcm_mulaw", 8000},
	{sdp.Format{PayloadType: 9, Name: "G722", ClockRate: 8000}, "g722", 16000},
}

func srtpKey(t testing.TB) []byte {
	t.Helper()
	c, err := sdp.NewCrypto(1, sdp.SuiteAES128SHA1_80)
	if err != nil {
		t.Fatal(err)
	}
	return c.Key
}

// TestFFmpegHearsUs sends a 1 kHz tone from a session to ffmpeg (RTP and
// SRTP, G.711 µ-law and G.722); ffmpeg decodes the stream to a WAV file in
// which the tone must be.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-8
func TestFFmpegHearsUs(t *testing.T) {
	testpeer.Need(t, "ffmpeg")
	for _, c := range ffmpegCodecs {
		for _, secure := range []bool{false, true} {
			name := c.format.Name
			if secure {
				name += "/SRTP"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				port := freeEvenBase(t, 2)
				in := testpeer.FFmpegRTPIn{Port: port, PayloadType: int(c.format.PayloadType),
					RTPMap: fmt.Sprintf("%s/%d", c.format.Name, c.format.ClockRate), Seconds: 2, Rate: c.rate}
				var key []byte
				if secure {
					key = srtpKey(t)
					in.Crypto = sdp.Crypto{Tag: 1, Suite: sdp.SuiteAES128SHA1_80, Key: key}.String()
				}
				ff := testpeer.StartFFmpegRTPIn(t, in)

				e := startEngine(t, Config{})
				s := newSession(t, e, SessionConfig{Source: mediatest.NewSine(1000, 8000, c.rate)})
				r := sdp.Result{Codec: c.format, Receive: []sdp.Format{c.format}, Ptime: 20,
					Remote:     netip.AddrPortFrom(loopback, uint16(port)),
					RemoteRTCP: netip.AddrPortFrom(loopback, uint16(port+1)),
					Direction:  sdp.SendRecv, DTMFSend: -1, DTMFRecv: -1}
				if secure {
					r.SRTP = &sdp.SRTP{Suite: sdp.SuiteAES128SHA1_80, LocalKey: key, RemoteKey: key}
				}
				if err := s.Start(r); err != nil {
					t.Fatal(err)
				}
				ff.Wait(t, 30*time.Second)
				pcm, rate := testpeer.ReadWAV(t, ff.Out)
				if rate != c.rate || len(pcm) < c.rate {
					t.Fatalf("ffmpeg wrote %d samples at %d Hz", len(pcm), rate)
				}
				tail := pcm[len(pcm)-c.rate/2:]
				if share := mediatest.ToneShare(tail, rate, 1000); share < 0.8 {
					t.Errorf("1 kHz is %.2f of what ffmpeg decoded (rms %.0f)", share, mediatest.RMS(tail))
				}
			})
		}
	}
}

// TestWeHearFFmpeg has ffmpeg send a 1 kHz tone as RTP and SRTP in G.711
// µ-law and G.722 to a session, which must play the tone and read ffmpeg's
// RTCP sender reports.
//
// behaviour: MEDIA-1
// behaviour: MEDIA-8
func TestWeHearFFmpeg(t *testing.T) {
	testpeer.Need(t, "ffmpeg")
	for _, c := range ffmpegCodecs {
		for _, secure := range []bool{false, true} {
			name := c.format.Name
			if secure {
				name += "/SRTP"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := startEngine(t, Config{})
				rec := &audio.Recorder{}
				s := newSession(t, e, SessionConfig{Sink: rec})
				// ffmpeg does not listen; its packets' source is latched.
				r := sdp.Result{Codec: c.format, Receive: []sdp.Format{c.format}, Ptime: 20,
					Direction: sdp.RecvOnly, DTMFSend: -1, DTMFRecv: -1}
				out := testpeer.FFmpegRTPOut{To: s.LocalAddr().String(), RTCPPort: int(s.LocalRTCP().Port()),
					Codec: c.encoder, Freq: 1000, Rate: c.rate, Seconds: 3}
				if secure {
					key := srtpKey(t)
					r.SRTP = &sdp.SRTP{Suite: sdp.SuiteAES128SHA1_80, LocalKey: key, RemoteKey: key}
					out.SRTPKey = base64.StdEncoding.EncodeToString(key)
				}
				if err := s.Start(r); err != nil {
					t.Fatal(err)
				}
				ff := testpeer.StartFFmpegRTPOut(t, out)
				waitFor(t, 20*time.Second, "a second of ffmpeg's tone", func() bool { return rec.Len() > 3*c.rate/2 })
				heard(t, "session", rec, c.rate, 1000)
				ff.Wait(t, 30*time.Second)
				st := s.Stats()
				// ffmpeg packs up to 1000 bytes per packet (125 ms of
				// G.711), so count bytes: 3 s at 64 kbit/s.
				if st.OctetsReceived < 20000 || st.Drops.SRTPAuth != 0 || st.Drops.Malformed != 0 || st.Drops.UnknownPayload != 0 {
					t.Errorf("stats %+v", st)
				}
				if st.RTCPReceived == 0 {
					t.Errorf("no RTCP from ffmpeg read (drops %+v)", st.Drops)
				}
			})
		}
	}
}
