package sip_test

import (
	"os"
	"testing"

	"github.com/hdphone/hdphone/sip"
)

// TestMain sets the process-wide knobs as the composition root does.
func TestMain(m *testing.M) {
	sip.SetReadBufferSize(8192)
	sip.SetMaxUDPMessage(8192)
	os.Exit(m.Run())
}
