package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/hdphone/hdphone/device"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintf(e.stdout, "hdphone %s (emulated firmware %s)\n", v, device.DefaultFirmware)
	return nil
}
