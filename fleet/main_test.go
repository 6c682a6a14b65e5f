package fleet_test

import (
	"os"
	"testing"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/sip"
)

// TestMain sets the SIP stack's process-wide knobs as hdphone does, so that
// the fleets of these tests and benchmarks are the command's.
func TestMain(m *testing.M) {
	sip.SetMaxUDPMessage(65507)
	sip.SetReadBufferSize(256)
	sip.SetStackLogger(nil)
	fleet.TuneGC()
	os.Exit(m.Run())
}
