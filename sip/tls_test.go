package sip_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/sip"
	"github.com/hdphone/hdphone/sip/siptest"
)

// tlsRegistrar is a one-shot TLS SIP registrar limited to some TLS
// versions: it accepts connections, answers each REGISTER with 200 and
// reports the version each handshake agreed on.
func tlsRegistrar(t *testing.T, minV, maxV uint16) (addr string, versions <-chan uint16) {
	t.Helper()
	ca := testpeer.NewCA(t, t.TempDir(), "registrar CA")
	leaf := ca.Issue(t, testpeer.LeafOptions{})
	cert, err := tls.LoadX509KeyPair(leaf.CertFile, leaf.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minV, MaxVersion: maxV})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan uint16, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c *tls.Conn) {
				defer c.Close()
				if err := c.Handshake(); err != nil {
					return
				}
				ch <- c.ConnectionState().Version
				r := bufio.NewReader(c)
				var head strings.Builder
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					head.WriteString(line)
					if line == "\r\n" {
						break
					}
				}
				msg, err := sipgosip.ParseMessage([]byte(head.String()))
				if err != nil {
					return
				}
				req := msg.(*sipgosip.Request)
				res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
				c.Write([]byte(res.String()))
				time.Sleep(200 * time.Millisecond)
			}(c.(*tls.Conn))
		}
	}()
	return l.Addr().String(), ch
}

// behaviour: SIP-9
func TestTLSMethodAgainstServerVersions(t *testing.T) {
	cases := []struct {
		name      string
		method    string
		disable   []string
		serverMin uint16
		serverMax uint16
		want      uint16 // 0: the handshake must fail
	}{
		{"negotiate, server speaks 1.1 only", "ssl_2_3", []string{"ssl_2", "ssl_3"}, tls.VersionTLS11, tls.VersionTLS11, tls.VersionTLS11},
		{"negotiate, 1.0 and 1.1 disabled", "ssl_2_3", []string{"tls_1", "tls_1_1"}, tls.VersionTLS10, tls.VersionTLS11, 0},
		{"forced tls_1_2, server up to 1.3", "tls_1_2", nil, tls.VersionTLS12, tls.VersionTLS13, tls.VersionTLS12},
		{"negotiate never offers 1.3", "ssl_2_3", nil, tls.VersionTLS12, tls.VersionTLS13, tls.VersionTLS12},
		{"forced tls_1, server 1.2 only", "tls_1", nil, tls.VersionTLS12, tls.VersionTLS12, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, versions := tlsRegistrar(t, tc.serverMin, tc.serverMax)
			host, port, _ := net.SplitHostPort(addr)
			pn, _ := strconv.Atoi(port)
			cfg := sip.Config{User: "1001", Password: "x", Domain: "127.0.0.1",
				Registrar: sip.Server{Host: host, Port: pn}, Transport: sip.TLS,
				TLS:               sip.TLSConfig{Method: tc.method, Disable: tc.disable, InsecureSkipVerify: true},
				NoResponseTimeout: time.Second}
			p := startUA(t, cfg)
			err := p.Register(ctxT(t))
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("registered although no TLS version is common")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v := <-versions; v != tc.want {
				t.Fatalf("negotiated %x, want %x", v, tc.want)
			}
		})
	}
}

// The phone presents its client certificate to a server that demands one
// (Kamailio with require_certificate), and checks the server's certificate
// against its CAs unless told to ignore certificate errors
// (security/SSLCertificateErrorsMode).
func TestTLSCertificatesWithKamailio(t *testing.T) {
	k := testpeer.StartKamailio(t, testpeer.KamailioConfig{RequireClientCert: true})
	t.Run("client certificate", func(t *testing.T) {
		p := startUA(t, kamUA(t, k, "1001", sip.TLS))
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		cfg := kamUA(t, k, "1002", sip.TLS)
		cfg.TLS.Certificates = nil
		cfg.NoResponseTimeout = time.Second
		p := startUA(t, cfg)
		if err := p.Register(ctxT(t)); err == nil {
			t.Fatal("registered without the client certificate the server demands")
		}
	})
	t.Run("identity when no certificate is configured", func(t *testing.T) {
		cfg := kamUA(t, k, "1006", sip.TLS)
		cfg.TLS.Certificates = nil
		var asked atomic.Int32
		cfg.TLS.Identity = func() (*tls.Certificate, error) { asked.Add(1); return &k.ClientCert, nil }
		p := startUA(t, cfg)
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if asked.Load() == 0 {
			t.Fatal("registered without presenting the identity")
		}
	})
	t.Run("untrusted server, Disallow", func(t *testing.T) {
		cfg := kamUA(t, k, "1003", sip.TLS)
		cfg.TLS.RootCAs = x509.NewCertPool() // trusts nothing
		cfg.NoResponseTimeout = time.Second
		p := startUA(t, cfg)
		err := p.Register(ctxT(t))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Register = %v, want a certificate error", err)
		}
		ev := siptest.WaitMatch(p.ev, func(e sip.RegistrationEvent) bool { return e.State == sip.RegFailed })
		if ev.Err == nil {
			t.Fatalf("failure without a reason: %+v", ev)
		}
	})
	// behaviour: SIP-9
	t.Run("forced tls_1_1 against OpenSSL TLSv1.2+", func(t *testing.T) {
		cfg := kamUA(t, k, "1005", sip.TLS)
		cfg.TLS.Method = "tls_1_1"
		cfg.NoResponseTimeout = time.Second
		p := startUA(t, cfg)
		if err := p.Register(ctxT(t)); err == nil {
			t.Fatal("registered over TLS 1.1 with a TLS 1.2+ server")
		}
		cfg = kamUA(t, k, "1005", sip.TLS)
		cfg.TLS.Method = "tls_1_2"
		if err := startUA(t, cfg).Register(ctxT(t)); err != nil {
			t.Fatalf("forced tls_1_2: %v", err)
		}
	})
	t.Run("untrusted server, Ignore", func(t *testing.T) {
		cfg := kamUA(t, k, "1004", sip.TLS)
		cfg.TLS.RootCAs = x509.NewCertPool()
		cfg.TLS.InsecureSkipVerify = true
		p := startUA(t, cfg)
		if err := p.Register(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	})
}
