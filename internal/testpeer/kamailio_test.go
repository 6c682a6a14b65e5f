package testpeer

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kamailio as configured here survives clients handshaking TLS at once and
// answers each of them. With two TLS workers, Kamailio 5.6 with OpenSSL 3
// failed handshakes ("unsupported algorithm") and crashed within a second
// of this load; in the phone tests that was a registration over TLS that
// failed once in a dozen CI runs.
func TestKamailioServesConcurrentTLSClients(t *testing.T) {
	k := StartKamailio(t, KamailioConfig{})
	conf := &tls.Config{RootCAs: k.CAPool(t), ServerName: k.Host}
	const clients, rounds = 6, 100
	var (
		mu       sync.Mutex
		failures []string
		wg       sync.WaitGroup
	)
	for c := range clients {
		wg.Go(func() {
			for r := range rounds {
				if err := tlsOptions(k.TLSAddr(), k.Domain, conf, fmt.Sprintf("%d-%d", c, r)); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d TLS exchanges failed, first: %s", len(failures), clients*rounds, failures[0])
	}
}

// tlsOptions connects to addr, sends an OPTIONS for the server's domain
// (which it answers itself) and reads its answer.
func tlsOptions(addr, domain string, conf *tls.Config, id string) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, conf)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte(optionsRequest("TLS", "127.0.0.1:5999", domain, id))); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		return fmt.Errorf("answer %q", strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
	}
	return nil
}
