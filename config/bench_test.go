package config

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// realisticFile is a 300-line provisioning file of the kind a PBX generates
// per phone: a header, two SIP lines, signalling, codecs, function keys,
// paging groups, network, time and provisioning settings.
func realisticFile() []byte {
	var b strings.Builder
	b.WriteString(";UC_3.4.8.808\r\nsystem/type=450HD\r\n")
	for n := 0; n < 2; n++ {
		fmt.Fprintf(&b, "voip/line/%d/enabled=1\r\nvoip/line/%d/id=%d\r\nvoip/line/%d/description=Desk %d \r\n", n, n, 2000+n, n, n)
		fmt.Fprintf(&b, "voip/line/%d/auth_name=%d\r\nvoip/line/%d/auth_password=%s\r\n", n, 2000+n, n, EncryptSecret("pw"))
		fmt.Fprintf(&b, "voip/line/%d/line_mode=PRIVATE\r\nvoip/line/%d/do_not_disturb/activated=0\r\n", n, n)
	}
	b.WriteString("voip/signalling/sip/proxy_address=pbx.example.com\r\nvoip/signalling/sip/proxy_port=5060\r\n" +
		"voip/signalling/sip/transport_protocol=TLS\r\nvoip/signalling/sip/registration_expires=600\r\n" +
		"voip/signalling/sip/use_proxy=1\r\nnetwork/lan_type=DHCP\r\nnetwork/lan/vlan/mode=Manual\r\n" +
		"network/lan/vlan/id=20\r\nsystem/ntp/enabled=1\r\nsystem/ntp/primary_server_address=pool.ntp.org\r\n" +
		"system/ntp/gmt_offset=+01:00\r\nprovisioning/method=STATIC\r\nprovisioning/period/type=daily\r\n" +
		"provisioning/period/daily/time=03:30\r\nprovisioning/configuration/url=https://prov.example.com/<MAC>.cfg\r\n" +
		"; function keys\r\n")
	names := []string{"SILK_16000", "G722", "PCMU", "PCMA", "G729"}
	for n, name := range names {
		fmt.Fprintf(&b, "voip/codec/codec_info/%d/name=%s\r\nvoip/codec/codec_info/%d/enabled=1\r\nvoip/codec/codec_info/%d/ptime=20\r\n", n, name, n, n)
	}
	for n := 0; n < 48; n++ {
		fmt.Fprintf(&b, "personal_settings/functional_key/%d/type=SPEED_DIAL\r\n", n)
		fmt.Fprintf(&b, "personal_settings/functional_key/%d/key_label=Colleague %d\r\n", n, n)
		fmt.Fprintf(&b, "personal_settings/functional_key/%d/speed_dial_number=%d\r\n", n, 3000+n)
		if n < 20 {
			fmt.Fprintf(&b, "voip/services/group_paging/group/%d/multicast_addr=224.0.1.%d\r\n", n, n)
			fmt.Fprintf(&b, "voip/services/group_paging/group/%d/port=%d\r\n", n, 8000+2*n)
		}
	}
	for len(strings.Split(b.String(), "\n")) < 300 {
		b.WriteString("voip/services/call_waiting/mode=ENABLE\r\n")
	}
	return []byte(b.String())
}

// fleetPhoneFile is what a fleet stores in each phone's flash: one line
// and its server, about ten lines.
func fleetPhoneFile() []byte {
	return []byte(";hdphone fleet: desk-1 (450HD)\nvoip/line/0/enabled=1\nvoip/line/0/id=100001\n" +
		"voip/line/0/description=100001\nvoip/line/0/auth_name=100001\nvoip/line/0/auth_password=pass100001\n" +
		"voip/signalling/sip/use_proxy=1\nvoip/signalling/sip/proxy_address=127.0.0.1\n" +
		"voip/signalling/sip/proxy_port=5060\nvoip/signalling/sip/proxy_gateway=sip.test\n")
}

func BenchmarkApply(b *testing.B) {
	for _, f := range []struct {
		name string
		data []byte
	}{{"file=provisioning", realisticFile()}, {"file=fleet-phone", fleetPhoneFile()}} {
		b.Run(f.name, func(b *testing.B) {
			data := f.data
			base := Default().New("450HD")
			if _, issues, err := base.ApplyBytes("bench.cfg", data); err != nil || len(Errors(issues)) != 0 {
				b.Fatal(err, issues)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ReportMetric(float64(bytes.Count(data, []byte("\n"))), "lines")
			for b.Loop() {
				if _, _, err := base.ApplyBytes("bench.cfg", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFormatAll(b *testing.B) {
	c := Default().New("450HD")
	b.ReportAllocs()
	for b.Loop() {
		if err := (FormatOptions{All: true}).Format(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveIndexed(b *testing.B) {
	cat := Default()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := cat.Resolve("personal_settings/functional_key/31/speed_dial_number"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCFX(b *testing.B) {
	cfx, err := EncryptFile(realisticFile())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(cfx)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeFile("bench.cfx", cfx); err != nil {
			b.Fatal(err)
		}
	}
}

// bootKeys are keys a phone reads as it boots, literals as at their call
// sites, some set in fleetPhoneFile and most left at their defaults.
var bootKeys = []string{"voip/media/media_port", "voip/line/0/id", "provisioning/url_option_value",
	"voip/headset_only/enabled", "network/lan/vlan/priority", "network/lan/vlan/id",
	"voip/signalling/sip/proxy_gateway", "voip/signalling/sip/proxy_address", "voip/signalling/sip/digit_map",
	"voip/line/0/enabled", "voip/line/0/description", "voip/line/0/auth_name", "provisioning/period/weekly/day",
	"provisioning/period/type", "provisioning/method", "network/lan_type", "network/lan/vlan/mode",
	"voip/line/0/do_not_disturb/enabled", "voip/line/0/call_forward/enabled", "voip/number_of_calls_per_line",
	"voip/dialing/auto_dialing/timeout", "system/syslog/server_port", "system/ntp/sync_time/hours",
	"provisioning/random_provisioning_time", "network/lan/vlan/period", "ems_server/keep_alive_period",
	"voip/services/reject_code", "voip/answer_device", "system/type", "system/syslog/server_address"}

// BenchmarkGetBootKeys reads bootKeys from the configurations of 1 and of
// 10,000 phones in turn, as a storm of booting phones does (each phone's
// values cold in the cache).
func BenchmarkGetBootKeys(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("phones=%d", n), func(b *testing.B) {
			cfgs := make([]*Config, n)
			for i := range cfgs {
				c := Default().New("450HD")
				if _, issues, err := c.ApplyBytes("bench.cfg", fleetPhoneFile()); err != nil || len(Errors(issues)) != 0 {
					b.Fatal(err, issues)
				}
				cfgs[i] = c
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := cfgs[i%n]
				i++
				for _, k := range bootKeys {
					if _, _, err := c.Lookup(k); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bootKeys)), "ns/get")
		})
	}
}
