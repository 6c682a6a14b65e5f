package device

import (
	"testing"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media"
)

// Where voice-quality reports go: nowhere unless the XR mode is not
// DISABLE, publishing is on (the 420HD manual's key or the 400HD manual's
// bare name) and a QoE server is named; a host[:port] is the Request-URI
// and the next hop, a SIP URI is routed like any request.
//
// behaviour: MEDIA-6
func TestQoECollector(t *testing.T) {
	tests := []struct {
		name   string
		xr     media.XRMode
		keys   map[string]string
		target string
		server string
		bad    bool
	}{
		{"factory defaults", media.XREventsOnly, nil, "", "", false},
		{"XR disabled", media.XRDisable, map[string]string{keyQoEPublish: "1", keyQoEServerAddress: "10.0.0.5"}, "", "", false},
		{"publishing off", media.XREventsOnly, map[string]string{keyQoEServerAddress: "10.0.0.5"}, "", "", false},
		{"no server", media.XREventsOnly, map[string]string{keyQoEPublish: "1"}, "", "", false},
		{"host", media.XREventsOnly, map[string]string{keyQoEPublish: "1", keyQoEServerAddress: "10.0.0.5"}, "sip:10.0.0.5", "10.0.0.5", false},
		{"host and port, bare key", media.XRRemoteAndEvents, map[string]string{keyQoEPublishShort: "1", keyQoEServerAddress: "qoe.example.com:5070"}, "sip:qoe.example.com:5070", "qoe.example.com:5070", false},
		{"SIP URI", media.XREventsOnly, map[string]string{keyQoEPublish: "1", keyQoEServerAddress: "sip:collector@qoe.example.com"}, "sip:collector@qoe.example.com", "", false},
		{"bad port", media.XREventsOnly, map[string]string{keyQoEPublish: "1", keyQoEServerAddress: "10.0.0.5:99999"}, "", "", true},
	}
	for _, tt := range tests {
		c := config.Default().New("450HD")
		for k, v := range tt.keys {
			if err := c.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		target, srv, err := qoeCollector(c, tt.xr)
		if target != tt.target || (tt.server != "" && srv.String() != tt.server) || (tt.server == "" && !srv.IsZero()) || (err != nil) != tt.bad {
			t.Errorf("%s: %q %q %v, want %q %q (error %v)", tt.name, target, srv.String(), err, tt.target, tt.server, tt.bad)
		}
	}
}
