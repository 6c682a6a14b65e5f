package sip_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/sip"
)

func TestConfigFromPhoneConfiguration(t *testing.T) {
	type kv = map[string]string
	cases := []struct {
		name  string
		set   kv
		check func(t *testing.T, c sip.Config)
		err   error
	}{
		{"proxy is registrar and domain", kv{
			"voip/line/0/id": "1001", "voip/line/0/auth_name": "a1001", "voip/line/0/auth_password": "secret",
			"voip/line/0/description": "Alice", "voip/signalling/sip/use_proxy": "1",
			"voip/signalling/sip/proxy_address": "pbx.example.com", "voip/signalling/sip/proxy_port": "5080",
			"voip/signalling/sip/transport_protocol": "TCP", "voip/signalling/sip/registration_expires": "600",
		}, func(t *testing.T, c sip.Config) {
			want := sip.Server{Host: "pbx.example.com", Port: 5080}
			if c.User != "1001" || c.AuthName != "a1001" || c.Password != "secret" || c.DisplayName != "Alice" ||
				c.Domain != "pbx.example.com" || c.Proxy != want || c.Registrar != want || c.Transport != sip.TCP ||
				c.RegisterExpires != 600*time.Second || c.LocalPort != 5060 {
				t.Fatalf("%+v", c)
			}
		}, nil},
		{"domain, separate registrar, outbound proxy, TLS, reject code", kv{
			"voip/line/0/id": "1002", "voip/signalling/sip/proxy_gateway": "corp.example",
			"voip/signalling/sip/use_proxy": "1", "voip/signalling/sip/proxy_address": "10.0.0.5",
			"voip/signalling/sip/sip_registrar/enabled": "1", "voip/signalling/sip/sip_registrar/addr": "10.0.0.6",
			"voip/signalling/sip/sip_registrar/port":         "5070",
			"voip/signalling/sip/sip_outbound_proxy/enabled": "1", "voip/signalling/sip/sip_outbound_proxy/addr": "10.0.0.7",
			"voip/signalling/sip/tls_method": "tls_1_2", "security/SSLCertificateErrorsMode": "Ignore",
			"voip/services/reject_code": "CODE_603", "voip/signalling/sip/port": "5062",
		}, func(t *testing.T, c sip.Config) {
			if c.Domain != "corp.example" || c.Proxy.Host != "10.0.0.5" || c.Registrar != (sip.Server{Host: "10.0.0.6", Port: 5070}) ||
				c.OutboundProxy != (sip.Server{Host: "10.0.0.7", Port: 5060}) || c.TLS.Method != "tls_1_2" || !c.TLS.InsecureSkipVerify ||
				c.RejectCode != 603 || c.LocalPort != 5062 {
				t.Fatalf("%+v", c)
			}
		}, nil},
		{"MWI subscription", kv{
			"voip/line/0/id": "1003", "voip/signalling/sip/proxy_address": "10.0.0.5",
			"voip/services/msg_waiting_ind/subscribe": "1", "voip/services/msg_waiting_ind/subscribe_address": "10.0.0.9",
			"voip/services/msg_waiting_ind/subscribe_port": "5090", "voip/services/msg_waiting_ind/expiraition_timeout": "1800",
		}, func(t *testing.T, c sip.Config) {
			if !c.MWI.Subscribe || c.MWI.Server != (sip.Server{Host: "10.0.0.9", Port: 5090}) || c.MWI.Expires != 1800*time.Second {
				t.Fatalf("%+v", c.MWI)
			}
		}, nil},
		{"forced SSL 3 is refused", kv{"voip/line/0/id": "1", "voip/signalling/sip/tls_method": "ssl_3"}, nil, sip.ErrTLSVersion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default().New("450HD")
			for k, v := range tc.set {
				if err := cfg.Set(k, v); err != nil {
					if errors.Is(err, config.ErrUnknownKey) {
						cfg.SetExtra(k, v) // a key the catalogue does not know yet
						continue
					}
					t.Fatalf("%s=%s: %v", k, v, err)
				}
			}
			c, err := sip.ConfigFrom(cfg)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}
