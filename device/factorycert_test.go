package device_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
)

// A provisioning server that authenticates phones by their factory
// certificates (it trusts the factory CA and requires a client
// certificate) serves a phone that has no autoupdate certificate: the
// phone presents its per-MAC factory certificate. With the factory files
// deleted, the next power-up presents a new one (a new key, the same MAC);
// otherwise the same one every boot.
//
// behaviour: SEC-3
// behaviour: CFG-9
func TestFactoryCertificateAtMutualTLSServer(t *testing.T) {
	t.Parallel()
	var seen shared[[]*x509.Certificate]
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".cfg") {
			http.NotFound(w, r)
			return
		}
		seen.set(append(seen.get(), r.TLS.PeerCertificates[0]))
		w.Write([]byte("voip/media/media_port=6104\n"))
	}))
	factoryCA := x509.NewCertPool()
	if !factoryCA.AppendCertsFromPEM(factorycert.CACertPEM()) {
		t.Fatal("factory CA does not parse")
	}
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: factoryCA}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	fl := flash.NewMemory()
	if err := fl.Certificates().SetCA(0, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})); err != nil {
		t.Fatal(err)
	}
	if err := fl.Write(device.RecordConfig, []byte("provisioning/method=STATIC\nprovisioning/firmware/url="+srv.URL+
		"\nprovisioning/configuration/url="+srv.URL+"/phone.cfg\n")); err != nil {
		t.Fatal(err)
	}
	p := newBootPhone(t, phoneOpts{flash: fl, net: fastNet()})
	configured := func(boot int) *x509.Certificate {
		t.Helper()
		waitState(t, p.Phone, "configured over mutual TLS", func(s device.State) bool {
			return idleAt(boot)(s) && s.Config.Get("voip/media/media_port") == "6104"
		})
		certs := seen.get()
		if len(certs) != boot {
			t.Fatalf("the server saw %d configuration requests after boot %d", len(certs), boot)
		}
		c := certs[boot-1]
		if c.Subject.CommonName != p.MAC() {
			t.Fatalf("boot %d presented CN %q, want the phone's MAC %s", boot, c.Subject.CommonName, p.MAC())
		}
		return c
	}
	p.PowerOn(p.ctx)
	first := configured(1)

	if err := p.Reboot(p.ctx, "same identity"); err != nil {
		t.Fatal(err)
	}
	if second := configured(2); !bytes.Equal(second.Raw, first.Raw) {
		t.Error("a reboot presented another factory certificate")
	}

	if err := fl.Certificates().RemoveClient(flash.SlotFactory); err != nil {
		t.Fatal(err)
	}
	if err := p.Reboot(p.ctx, "factory files deleted"); err != nil {
		t.Fatal(err)
	}
	third := configured(3)
	if bytes.Equal(third.RawSubjectPublicKeyInfo, first.RawSubjectPublicKeyInfo) {
		t.Error("the deleted factory key came back")
	}
	if kp, err := fl.Certificates().KeyPair(flash.SlotFactory); err != nil || !bytes.Equal(kp.Certificate[0], third.Raw) {
		t.Errorf("the regenerated factory files are not in flash: %v", err)
	}
}
