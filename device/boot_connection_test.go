package device_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
)

// A boot reads the firmware header and fetches the configuration over one
// HTTP connection to a server that keeps connections alive (an error page
// and a short header read are read to their end, so the connection stays
// usable), and the phone closes it once it is configured.
//
// behaviour: PROV-1
func TestBootFetchesOverOneConnection(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var opened, closed int
	var paths []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if !strings.HasSuffix(r.URL.Path, ".cfg") {
			http.NotFound(w, r) // no image: nothing to install
			return
		}
		w.Write([]byte("voip/media/media_port=6104\n"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			opened++
		case http.StateClosed, http.StateHijacked:
			closed++
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	fl := flash.NewMemory()
	if err := fl.Write(device.RecordConfig, []byte("provisioning/method=STATIC\nprovisioning/firmware/url="+srv.URL+
		"\nprovisioning/configuration/url="+srv.URL+"/phone.cfg\n")); err != nil {
		t.Fatal(err)
	}
	p := newBootPhone(t, phoneOpts{flash: fl, net: fastNet()})
	p.PowerOn(p.ctx)
	waitState(t, p.Phone, "configured and idle", func(s device.State) bool {
		return s.Stage == device.StageIdle && s.Config.Get("voip/media/media_port") == "6104"
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		o, c, ps := opened, closed, append([]string(nil), paths...)
		mu.Unlock()
		if o == 1 && c == 1 && len(ps) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections opened, %d closed, for requests %v; want 1 connection, closed, for the image header and the configuration", o, c, ps)
		}
	}
}
