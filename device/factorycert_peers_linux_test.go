//go:build linux

package device_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/factorycert"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/internal/testpeer"
)

// nginx (OpenSSL) requiring a client certificate from the hdphone Factory
// CA serves a phone with no autoupdate certificate: it verifies the
// phone's factory certificate and logs the phone's MAC as the subject,
// over TLS 1.2 although it would speak 1.3.
//
// behaviour: SEC-3
// behaviour: SEC-7
func TestFactoryCertificateAtNginx(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serverCA := testpeer.NewCA(t, filepath.Join(dir, "server-ca"), "hdphone test server CA")
	factoryCA := &testpeer.CA{CertFile: filepath.Join(dir, "factory-ca.pem"), CertPEM: factorycert.CACertPEM()}
	testpeer.WriteFile(t, factoryCA.CertFile, string(factoryCA.CertPEM))
	ng := testpeer.StartNginx(t, testpeer.NginxOptions{Server: serverCA.Issue(t, testpeer.LeafOptions{}), ClientCA: factoryCA})
	testpeer.WriteFile(t, filepath.Join(ng.Root, "phone.cfg"), "voip/media/media_port=6104\n")

	fl := flash.NewMemory()
	if err := fl.Certificates().SetCA(0, serverCA.CertPEM); err != nil {
		t.Fatal(err)
	}
	url := "https://" + ng.MTLS
	if err := fl.Write(device.RecordConfig, []byte("provisioning/method=STATIC\nprovisioning/firmware/url="+url+
		"\nprovisioning/configuration/url="+url+"/phone.cfg\n")); err != nil {
		t.Fatal(err)
	}
	p := newBootPhone(t, phoneOpts{flash: fl, net: fastNet()})
	p.PowerOn(p.ctx)
	waitState(t, p.Phone, "configured by nginx over mutual TLS", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Config.Get("voip/media/media_port") == "6104"
	})
	waitFor(t, "nginx's log of the configuration request", func() bool { return strings.Contains(ng.AccessLog(), "phone.cfg") })
	for _, l := range strings.Split(strings.TrimSpace(ng.AccessLog()), "\n") {
		if strings.Contains(l, "phone.cfg") && !(strings.Contains(l, `" 200 `) && strings.Contains(l, "CN="+p.MAC())) {
			t.Errorf("nginx did not serve the phone by its factory certificate: %s", l)
		}
		// OpenSSL 3 offers TLS 1.3; the phone takes 1.2 (behaviour: SEC-7).
		if strings.Contains(l, "phone.cfg") && !strings.HasSuffix(l, `"TLSv1.2"`) {
			t.Errorf("nginx served the phone over another TLS version than 1.2: %s", l)
		}
	}
}
