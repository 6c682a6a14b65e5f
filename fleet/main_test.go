package fleet_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/hdphone/hdphone/fleet"
	"github.com/hdphone/hdphone/sip"
)

// TestMain sets the SIP stack's process-wide knobs as hdphone does, so that
// the fleets of these tests and benchmarks are the command's.
func TestMain(m *testing.M) {
	// The command never reads a memory profile, so its linker turns the
	// runtime's sampling of allocations off; a test binary samples one
	// every 512 KiB, a stack walked and a record kept for each (1.5 µs of
	// a phone's CPU in a storm at Kamailio). A benchmark that asks for a
	// heap profile, or -test.memprofile, turns it on again.
	runtime.MemProfileRate = 0
	sip.SetMaxUDPMessage(65507)
	sip.SetReadBufferSize(256)
	sip.SetStackLogger(nil)
	fleet.TuneGC()
	os.Exit(m.Run())
}
