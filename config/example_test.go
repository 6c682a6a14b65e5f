package config_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/hdphone/hdphone/config"
)

func ExampleConfig_Apply() {
	factory := config.Default().New("450HD")
	file := ";UC_3.4.8.808\r\n" +
		"provisioning/method=dynamic\r\n" +
		"voip/line/0/id=1001 \r\n" +
		"voip/line/0/foo=1\r\n"
	cfg, issues, err := factory.Apply("00908f000001.cfg", strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, is := range issues {
		fmt.Println(is)
	}
	fmt.Println(cfg.Get("provisioning/method"), cfg.Get("voip/line/0/id"), cfg.Get("voip/signalling/sip/proxy_port"))
	// Output:
	// 00908f000001.cfg:4: warning: voip/line/0/foo: config: unknown parameter; kept but not used
	// Dynamic 1001 5060
}

func ExampleConfig_Apply_rejected() {
	factory := config.Default().New("450HD")
	_, issues, err := factory.Apply("bad.cfg", strings.NewReader("network/lan/vlan/id=5000\n"))
	fmt.Println(err != nil)
	fmt.Println(issues[0])
	// Output:
	// true
	// bad.cfg:1: error: network/lan/vlan/id: config: bad value: 5000 is outside 0..4094
}

func ExampleEncryptSecret() {
	v := config.EncryptSecret("1234")
	plain, _ := config.DecryptSecret(v)
	fmt.Println(v, plain)
	// Output: {"oIMXpQffTI4="} 1234
}

func ExampleFormatOptions_Format() {
	cfg := config.Default().New("RX50")
	_ = cfg.Set("voip/line/0/id", "2001")
	_ = cfg.Set("network/lan_type", "static")
	_ = config.FormatOptions{Firmware: "UC_3.4.8.808"}.Format(os.Stdout, cfg.Delta())
	// Output:
	// ;UC_3.4.8.808
	// network/lan_type=STATIC
	// voip/line/0/id=2001
}
