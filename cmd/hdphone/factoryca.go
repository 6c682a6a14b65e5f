package main

import (
	"context"

	"github.com/hdphone/hdphone/device/factorycert"
)

// runFactoryCA prints the hdphone Factory CA's certificate: a server that
// authenticates phones by their factory certificates (manual §3.5.3) is
// given this file as its trusted client CA.
func runFactoryCA(_ context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return errUsage
	}
	_, err := e.stdout.Write(factorycert.CACertPEM())
	return err
}
