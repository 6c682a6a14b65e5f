package cli_test

import (
	"context"
	"net"
	"os"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/ui/cli"
)

// The command engine on its own, as Telnet and SSH sessions use it.
func ExampleEngine() {
	mac, _ := net.ParseMAC("00:90:8f:00:00:01")
	phone, _ := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go phone.Run(ctx)
	phone.PowerOn(ctx)

	e := &cli.Engine{Phone: phone}
	e.Exec(ctx, os.Stdout, "set voip/media/media_port 6000")
	e.Exec(ctx, os.Stdout, "show config voip/media/media_port")
	// Output:
	// voip/media/media_port=6000
	// voip/media/media_port=6000 (set; default "4000")
}
