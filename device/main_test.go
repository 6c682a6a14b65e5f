package device_test

import (
	"os"
	"testing"

	"github.com/hdphone/hdphone/sip"
)

func TestMain(m *testing.M) {
	// As cmd/hdphone does: UDP SIP messages as large as real stacks send.
	sip.SetMaxUDPMessage(65507)
	os.Exit(m.Run())
}
