//go:build !linux

package media

import "net"

// rxPoller is Linux's receive poller; elsewhere every socket has its reader
// goroutine.
type rxPoller struct{}

type pollKind uint8

const (
	pollRTP pollKind = iota
	pollRTCP
)

func newRxPoller() *rxPoller { return nil }

func (p *rxPoller) add(*Session, *net.UDPConn, pollKind) error { return errNoPoller }
func (p *rxPoller) remove(*Session)                            {}
func (p *rxPoller) poll()                                      {}
func (p *rxPoller) close()                                     {}
