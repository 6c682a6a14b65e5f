package sip_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/hdphone/hdphone/sip"
)

// TestMain sets the process-wide knobs as the composition root does
// (SIP_READ_BUFFER overrides the read buffer, to measure its effect in the
// fleet benchmarks).
func TestMain(m *testing.M) {
	buf := 1024
	if n, err := strconv.Atoi(os.Getenv("SIP_READ_BUFFER")); err == nil {
		buf = n
	}
	sip.SetReadBufferSize(buf)
	sip.SetStackLogger(nil)
	sip.SetMaxUDPMessage(8192)
	os.Exit(m.Run())
}
