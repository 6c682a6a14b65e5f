package main

import (
	"os"
	"testing"
)

// TestMain lets a test run this test binary as the hdphone command (in a
// terminal under tmux, for instance): with HDPHONE_TEST_MAIN=1 it is
// hdphone.
func TestMain(m *testing.M) {
	if os.Getenv("HDPHONE_TEST_MAIN") == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
