package datagram

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The control message a send names its source in has the room the kernel's
// CMSG_SPACE gives it.
func TestPktinfoSpace(t *testing.T) {
	if want := unix.CmsgSpace(unix.SizeofInet4Pktinfo); pktinfoSpace != want {
		t.Errorf("pktinfoSpace %d, want %d", pktinfoSpace, want)
	}
}
