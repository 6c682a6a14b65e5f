package fleet

import "testing"

// The fleet names its SIP server as the QoE server for a phone that
// publishes reports (either key, any spelling of on, as the phone reads
// them) and names none itself.
func TestQoEToSIPServer(t *testing.T) {
	for _, c := range []struct {
		cfg  []KV
		want bool
	}{
		{nil, false},
		{[]KV{{"voip/qoe/qoe_publish_enabled", "1"}}, true},
		{[]KV{{"voip/qoe/qoe_publish_enabled", "true"}}, true},
		{[]KV{{"qoe_publish_enabled", "Enable"}, {"voip/qoe/qoe_publish_enabled", "0"}}, true},
		{[]KV{{"voip/qoe/qoe_publish_enabled", "0"}}, false},
		{[]KV{{"voip/qoe/qoe_publish_enabled", "1"}, {"voip/qoe/qoe_server_address", "10.0.0.5"}}, false},
	} {
		if got := qoeToSIPServer(c.cfg); got != c.want {
			t.Errorf("%v: %v, want %v", c.cfg, got, c.want)
		}
	}
}
