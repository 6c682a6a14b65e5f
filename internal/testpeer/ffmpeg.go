package testpeer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// FFmpeg is an ffmpeg process used as an independent RTP peer: it sends a
// tone as RTP or SRTP, or receives an RTP/SRTP stream described by an SDP
// file and decodes it to a WAV file.
type FFmpeg struct {
	*Process
	// Out is the WAV file a receiver writes.
	Out string
}

// FFmpegRTPIn describes a stream for ffmpeg to receive.
type FFmpegRTPIn struct {
	// Port is the RTP port ffmpeg listens on (127.0.0.1); it also binds
	// Port+1 for RTCP and sends its receiver reports to the sender.
	Port int
	// PayloadType and RTPMap describe the codec: 0 "PCMU/8000", 9
	// "G722/8000", 8 "PCMA/8000".
	PayloadType int
	RTPMap      string
	// Crypto is an SDES a=crypto value ("1 AES_CM_128_HMAC_SHA1_80
	// inline:…") for SRTP; "" for plain RTP.
	Crypto string
	// Seconds of audio to write; Rate and mono PCM of the WAV.
	Seconds float64
	Rate    int
}

// StartFFmpegRTPIn starts ffmpeg receiving a stream and waits until it has
// bound its port.
func StartFFmpegRTPIn(t testing.TB, in FFmpegRTPIn) *FFmpeg {
	t.Helper()
	bin := Need(t, "ffmpeg")[0]
	dir := t.TempDir()
	proto := "RTP/AVP"
	var crypto string
	if in.Crypto != "" {
		proto = "RTP/SAVP"
		crypto = "a=crypto:" + in.Crypto + "\r\n"
	}
	sdp := fmt.Sprintf("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=hdphone test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d %s %d\r\na=rtpmap:%d %s\r\n%s", in.Port, proto, in.PayloadType, in.PayloadType, in.RTPMap, crypto)
	sdpPath := filepath.Join(dir, "in.sdp")
	WriteFile(t, sdpPath, sdp)
	out := filepath.Join(dir, "out.wav")
	cmd := exec.Command(bin, "-hide_banner", "-nostdin", "-loglevel", "warning", "-y",
		"-protocol_whitelist", "file,udp,rtp,srtp,crypto",
		"-i", sdpPath,
		"-t", fmt.Sprint(in.Seconds), "-ac", "1", "-ar", fmt.Sprint(in.Rate), "-c:a", "pcm_s16le", out)
	p := StartCmd(t, "ffmpeg-rtp-in", dir, cmd)
	if err := p.WaitUDPBound(fmt.Sprintf("127.0.0.1:%d", in.Port), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return &FFmpeg{Process: p, Out: out}
}

// FFmpegRTPOut describes a tone for ffmpeg to send.
type FFmpegRTPOut struct {
	// To is the RTP destination host:port; RTCPPort its RTCP port.
	To       string
	RTCPPort int
	// Codec is ffmpeg's encoder: pcm_mulaw, pcm_alaw, g722.
	Codec string
	// Freq of the sine in Hz, Rate its sample rate (16000 for G.722).
	Freq, Rate int
	Seconds    float64
	// SRTPKey, if set, is the base64 key||salt of AES_CM_128_HMAC_SHA1_80.
	SRTPKey string
	SSRC    uint32
}

// StartFFmpegRTPOut starts ffmpeg sending a sine in real time.
func StartFFmpegRTPOut(t testing.TB, o FFmpegRTPOut) *FFmpeg {
	t.Helper()
	bin := Need(t, "ffmpeg")[0]
	dir := t.TempDir()
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=%d", o.Freq, o.Rate),
		"-t", fmt.Sprint(o.Seconds), "-ac", "1", "-c:a", o.Codec, "-f", "rtp"}
	if o.SSRC != 0 {
		args = append(args, "-ssrc", fmt.Sprint(int32(o.SSRC)))
	}
	scheme := "rtp"
	if o.SRTPKey != "" {
		scheme = "srtp"
		args = append(args, "-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", o.SRTPKey)
	}
	url := fmt.Sprintf("%s://%s", scheme, o.To)
	if o.RTCPPort != 0 {
		url += fmt.Sprintf("?rtcpport=%d", o.RTCPPort)
	}
	args = append(args, url)
	p := StartCmd(t, "ffmpeg-rtp-out", dir, exec.Command(bin, args...))
	return &FFmpeg{Process: p}
}

// Wait waits for ffmpeg to exit and fails the test on an error exit.
func (f *FFmpeg) Wait(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(timeout):
		t.Fatalf("ffmpeg still running after %v\n%s", timeout, f.Output())
	}
	if f.err != nil {
		var ee *exec.ExitError
		if !errors.As(f.err, &ee) || ee.ExitCode() != 0 {
			t.Fatalf("ffmpeg: %v\n%s", f.err, f.Output())
		}
	}
}

// ReadWAV reads a 16-bit PCM WAV file ffmpeg wrote: its samples (first
// channel) and rate.
func ReadWAV(t testing.TB, path string) ([]int16, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s is not a WAV file", path)
	}
	var rate, channels int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if size > len(body) {
			size = len(body)
		}
		switch id {
		case "fmt ":
			if size < 16 || binary.LittleEndian.Uint16(body[0:2]) != 1 || binary.LittleEndian.Uint16(body[14:16]) != 16 {
				t.Fatalf("%s: not 16-bit PCM", path)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:4]))
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			if channels == 0 {
				t.Fatalf("%s: data before fmt", path)
			}
			pcm := make([]int16, size/2/channels)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[i*2*channels:]))
			}
			return pcm, rate
		}
		p += 8 + size + size%2
	}
	t.Fatalf("%s: no data chunk", path)
	return nil, 0
}
