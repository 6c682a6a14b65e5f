package device_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/device"
)

// The console's "load URL" fetches with the phone's own downloader (its
// User-Agent reaches the server) and applies the file like the Web page; a
// file for another model changes nothing.
func TestLoadConfigURL(t *testing.T) {
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents = append(agents, r.UserAgent())
		switch r.URL.Path {
		case "/ok.cfg":
			fmt.Fprint(w, "voip/media/media_port=6000\n")
		case "/other.cfg":
			fmt.Fprint(w, "system/type=RX50\nvoip/media/media_port=7000\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p, ctx := newPhone(t, nil, nil)
	p.PowerOn(ctx)
	waitStage(t, ctx, p, device.StageIdle, 1)
	if _, err := p.LoadConfigURL(ctx, srv.URL+"/ok.cfg"); err != nil {
		t.Fatal(err)
	}
	if got := p.Snapshot().Config.Get("voip/media/media_port"); got != "6000" {
		t.Fatalf("media_port %q after load", got)
	}
	if len(agents) == 0 || !strings.HasPrefix(agents[0], "AUDC/") {
		t.Errorf("the download carried User-Agent %q, not the phone's", agents)
	}
	if _, err := p.LoadConfigURL(ctx, srv.URL+"/other.cfg"); !errors.Is(err, device.ErrWrongModel) {
		t.Errorf("a file for another model: %v", err)
	}
	if _, err := p.LoadConfigURL(ctx, srv.URL+"/missing.cfg"); err == nil {
		t.Error("a missing file loaded")
	}
	if got := p.Snapshot().Config.Get("voip/media/media_port"); got != "6000" {
		t.Errorf("media_port %q: a refused file changed the configuration", got)
	}
}
