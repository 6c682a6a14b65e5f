package provisioning_test

import (
	"context"
	"fmt"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/lab/fileserver"
	"github.com/hdphone/hdphone/provisioning"
	"github.com/hdphone/hdphone/provisioning/fetch"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

func Example() {
	// A provisioning server with a newer image and the phone's cfg.
	img, _ := firmware.Build([]string{"450HD"}, "UC_3.4.9.1", []byte("new firmware"))
	srv, _ := fileserver.New(fileserver.Config{Files: map[string][]byte{
		"450HD.img":        img,
		"00908f000001.cfg": []byte("voip/line/0/id=1001\n"),
	}})
	srv.Listen("127.0.0.1:0", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Run(ctx)

	f, _ := fetch.New(fetch.Config{UserAgent: "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1"})
	p, _ := provisioning.New(provisioning.Config{
		Identity: provisioning.Identity{Model: "450HD", MAC: "00:90:8F:00:00:01"},
		Running:  "UC_3.4.8.808",
		Fetcher:  f,
	})
	running := config.Default().New("450HD")
	dhcp := provisioning.DHCP{Options: map[int]string{160: srv.URL("http") + "/450HD.img;<MAC>.cfg"}}

	out, err := p.Check(ctx, running, dhcp)
	fmt.Println(err, out.Firmware.Upgrade, out.Firmware.Header.Version, out.Config == nil)

	// Once that image is running, the same check applies the configuration.
	p, _ = provisioning.New(provisioning.Config{
		Identity: provisioning.Identity{Model: "450HD", MAC: "00908f000001"},
		Running:  "UC_3.4.9.1",
		Fetcher:  f,
	})
	out, err = p.Check(ctx, running, dhcp)
	fmt.Println(err, out.Firmware.Upgrade, out.Config.Config.Get("voip/line/0/id"))
	// Output:
	// <nil> true UC_3.4.9.1 true
	// <nil> false 1001
}
