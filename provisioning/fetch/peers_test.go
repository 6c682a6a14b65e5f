package fetch

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

const testUA = "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1"

// files writes a 1 MiB firmware image and a per-MAC cfg into dir.
func files(t *testing.T, dir string) (img, cfg []byte) {
	t.Helper()
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	img, err := firmware.Build([]string{"450HD"}, "UC_3.4.9.1", payload)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte("voip/line/0/enabled=1\nvoip/line/0/id=1001\n")
	write(t, filepath.Join(dir, "450HD.img"), img)
	write(t, filepath.Join(dir, "00908f000001.cfg"), cfg)
	return img, cfg
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.UserAgent == "" {
		cfg.UserAgent = testUA
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// waitLog polls a peer's log until re matches (daemons write log lines when
// a request ends, a moment after the client has seen the answer).
func waitLog(t *testing.T, read func() string, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(3 * time.Second)
	for {
		if m := rx.FindStringSubmatch(read()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line matching %q in:\n%s", re, read())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// behaviour: PROV-2
// behaviour: SEC-1
func TestNginxHTTP(t *testing.T) {
	ca := testpeer.NewCA(t, t.TempDir(), "hdphone test CA")
	n := testpeer.StartNginx(t, testpeer.NginxOptions{Server: ca.Issue(t, testpeer.LeafOptions{}), ClientCA: ca})
	img, cfg := files(t, n.Root)
	ctx := context.Background()
	c := newClient(t, Config{})

	t.Run("whole file, with the phone's User-Agent", func(t *testing.T) {
		got, err := ReadAll(ctx, c, "http://"+n.HTTP+"/00908f000001.cfg", 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%q %v", got, err)
		}
		waitLog(t, n.AccessLog, `"GET /00908f000001.cfg HTTP/1.1" 200 \d+ "-" "`+regexp.QuoteMeta(testUA)+`"`)
	})
	t.Run("header only, by Range", func(t *testing.T) {
		hdr, err := ReadHeader(ctx, c, "http://"+n.HTTP+"/450HD.img", firmware.HeaderSize)
		if err != nil {
			t.Fatal(err)
		}
		h, err := firmware.ParseHeader(hdr)
		if err != nil || h.Version != "UC_3.4.9.1" {
			t.Fatalf("%v %v", h, err)
		}
		// nginx says it sent 206 with 512 body bytes: only the header
		// crossed the network.
		waitLog(t, n.AccessLog, `"GET /450HD.img HTTP/1.1" 206 512 "bytes=0-511"`)
	})
	t.Run("whole image verifies", func(t *testing.T) {
		body, err := c.Open(ctx, "http://"+n.HTTP+"/450HD.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		if s := body.(Sizer).Size(); s != int64(len(img)) {
			t.Fatalf("Size %d", s)
		}
		if _, err := firmware.Verify(body, "450HD", io.Discard); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("404", func(t *testing.T) {
		_, err := ReadAll(ctx, c, "http://"+n.HTTP+"/nope.cfg", 0)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		small := newClient(t, Config{MaxSize: 1000})
		_, err := ReadAll(ctx, small, "http://"+n.HTTP+"/450HD.img", 0)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%v", err)
		}
		if _, err := ReadAll(ctx, c, "http://"+n.HTTP+"/450HD.img", 4096); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("ReadAll limit: %v", err)
		}
	})

	https := "https://" + n.HTTPS + "/00908f000001.cfg"
	t.Run("Disallow refuses an untrusted server", func(t *testing.T) {
		_, err := ReadAll(ctx, newClient(t, Config{}), https, 0)
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Reason != CertUntrusted || !errors.Is(err, ErrCertificate) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("Ignore accepts it", func(t *testing.T) {
		got, err := ReadAll(ctx, newClient(t, Config{TLS: TLSConfig{IgnoreErrors: true}}), https, 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a CA from ca_certificate makes it trusted", func(t *testing.T) {
		got, err := ReadAll(ctx, newClient(t, Config{TLS: TLSConfig{CAs: [][]byte{ca.CertPEM}}}), https, 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("expired, judged at the phone's clock", func(t *testing.T) {
		fake := clocktest.New(time.Now().Add(2 * 365 * 24 * time.Hour))
		_, err := ReadAll(ctx, newClient(t, Config{Clock: fake, TLS: TLSConfig{CAs: [][]byte{ca.CertPEM}}}), https, 0)
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Reason != CertExpired {
			t.Fatalf("%v", err)
		}
	})
	t.Run("wrong name", func(t *testing.T) {
		other := testpeer.StartNginx(t, testpeer.NginxOptions{
			Server: ca.Issue(t, testpeer.LeafOptions{Name: "other", DNS: []string{"provisioning.example"}})})
		write(t, filepath.Join(other.Root, "00908f000001.cfg"), cfg)
		_, err := ReadAll(ctx, newClient(t, Config{TLS: TLSConfig{CAs: [][]byte{ca.CertPEM}}}),
			"https://"+other.HTTPS+"/00908f000001.cfg", 0)
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Reason != CertWrongName {
			t.Fatalf("%v", err)
		}
	})
	t.Run("mTLS without a client certificate is refused", func(t *testing.T) {
		_, err := ReadAll(ctx, newClient(t, Config{TLS: TLSConfig{CAs: [][]byte{ca.CertPEM}}}), "https://"+n.MTLS+"/00908f000001.cfg", 0)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != 400 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("mTLS with the autoupdate certificate", func(t *testing.T) {
		client := ca.Issue(t, testpeer.LeafOptions{Client: true})
		cl := newClient(t, Config{TLS: TLSConfig{CAs: [][]byte{ca.CertPEM}, ClientCert: client.CertPEM, ClientKey: client.KeyPEM}})
		got, err := ReadAll(ctx, cl, "https://"+n.MTLS+"/00908f000001.cfg", 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%v", err)
		}
	})
}

func TestTFTPDHPA(t *testing.T) {
	td := testpeer.StartTFTPD(t)
	img, cfg := files(t, td.Root)
	write(t, filepath.Join(td.Root, "450HD", "00908f000001.cfg"), cfg)
	ctx := context.Background()
	c := newClient(t, Config{TFTPTimeout: 300 * time.Millisecond})

	t.Run("whole image with blksize and tsize", func(t *testing.T) {
		body, err := c.Open(ctx, "tftp://"+td.Addr+"/450HD.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		if s := body.(Sizer).Size(); s != int64(len(img)) {
			t.Fatalf("tsize %d, want %d", s, len(img))
		}
		got, err := io.ReadAll(body)
		if err != nil || !bytes.Equal(got, img) {
			t.Fatalf("%d bytes %v", len(got), err)
		}
	})
	t.Run("a file in a model directory (static DNS form)", func(t *testing.T) {
		got, err := ReadAll(ctx, c, "tftp://"+td.Addr+"/450HD/00908f000001.cfg", 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%q %v", got, err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		body, err := c.Open(ctx, "tftp://"+td.Addr+"/450HD.img", firmware.HeaderSize)
		if err != nil {
			t.Fatal(err)
		}
		h, err := firmware.ReadHeader(body)
		body.Close()
		if err != nil || h.Version != "UC_3.4.9.1" {
			t.Fatalf("%v %v", h, err)
		}
		// Lock-step TFTP: without our ACK tftpd-hpa cannot send a second
		// block, and we sent an ERROR instead.
		if got := body.(interface{ Received() int64 }).Received(); got != firmware.HeaderSize {
			t.Fatalf("%d bytes crossed the network, want %d", got, firmware.HeaderSize)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := c.Open(ctx, "tftp://"+td.Addr+"/nope.cfg", 0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		port := testpeer.FreePort(t, "udp")
		quick := newClient(t, Config{TFTPTimeout: 50 * time.Millisecond, TFTPRetries: 2})
		if _, err := quick.Open(ctx, "tftp://127.0.0.1:"+strconv.Itoa(port)+"/x.cfg", 0); !errors.Is(err, ErrTimeout) {
			t.Fatalf("%v", err)
		}
	})
}

func TestVsftpd(t *testing.T) {
	v := testpeer.StartVsftpd(t)
	img, cfg := files(t, v.Root)
	// A bigger image for the partial read: socket buffers on loopback hold
	// a few MiB, so the server can only be stopped early on a file larger
	// than them.
	big := make([]byte, 32<<20)
	rand.Read(big[1024:])
	bigImg, _ := firmware.Build([]string{"450HD"}, "UC_3.4.9.2", big)
	write(t, filepath.Join(v.Root, "big.img"), bigImg)
	ctx := context.Background()
	c := newClient(t, Config{MaxSize: 64 << 20})
	user := testpeer.FTPUser + ":" + testpeer.FTPPassword + "@"

	t.Run("anonymous", func(t *testing.T) {
		got, err := ReadAll(ctx, c, "ftp://"+v.Addr+"/00908f000001.cfg", 0)
		if err != nil || !bytes.Equal(got, cfg) {
			t.Fatalf("%q %v", got, err)
		}
	})
	t.Run("user and password from the URL", func(t *testing.T) {
		body, err := c.Open(ctx, "ftp://"+user+v.Addr+"/450HD.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		if s := body.(Sizer).Size(); s != int64(len(img)) {
			t.Errorf("SIZE %d", s)
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil || !bytes.Equal(got, img) {
			t.Fatalf("%d bytes %v", len(got), err)
		}
		waitLog(t, v.XferLog, regexp.QuoteMeta(filepath.Join(v.Root, "450HD.img"))+` b _ o r `+testpeer.FTPUser+` ftp 0 \* c`)
	})
	t.Run("header only", func(t *testing.T) {
		hdr, err := ReadHeader(ctx, c, "ftp://"+v.Addr+"/big.img", firmware.HeaderSize)
		if err != nil {
			t.Fatal(err)
		}
		if h, err := firmware.ParseHeader(hdr); err != nil || h.Version != "UC_3.4.9.2" {
			t.Fatalf("%v %v", h, err)
		}
		// vsftpd's xferlog: bytes sent and "i" (incomplete).
		m := waitLog(t, v.XferLog, `\d+ 127\.0\.0\.1 (\d+) /big\.img b _ o a \S+ ftp 0 \* ([ci])`)
		sent, _ := strconv.Atoi(m[1])
		t.Logf("vsftpd sent %d of %d bytes before the data connection closed", sent, len(bigImg))
		if m[2] != "i" || sent >= len(bigImg)/2 {
			t.Fatalf("vsftpd: %s bytes, status %s: the transfer was not stopped early", m[1], m[2])
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := c.Open(ctx, "ftp://"+v.Addr+"/nope.cfg", 0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		_, err := c.Open(ctx, "ftp://"+testpeer.FTPUser+":wrong@"+v.Addr+"/450HD.img", 0)
		if !errors.Is(err, ErrDenied) {
			t.Fatalf("%v", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Fatalf("the password leaked into the error: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		body, err := c.Open(ctx, "ftp://"+v.Addr+"/big.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		io.ReadFull(body, make([]byte, 4096))
		cancel()
		if _, err := io.ReadAll(body); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	})
}
