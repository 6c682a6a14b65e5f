package sip_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hdphone/hdphone/lab/sipproxy"
	"github.com/hdphone/hdphone/sip"
)

// A phone registers, calls another phone through the lab registrar and
// hangs up. The integrator's owner goroutine reads Events and turns them
// into intents; here the program plays both phones' owners.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The world around the phones: a registrar and proxy with users
	// 1001..1010 (password pass<user>).
	lab, err := sipproxy.New(sipproxy.Config{Users: sipproxy.Numbered(1001, 1010, "pass")})
	if err != nil {
		panic(err)
	}
	go lab.Run(ctx)
	server := sip.Server{Host: lab.Addr().Addr().String(), Port: int(lab.Addr().Port())}

	phone := func(user string) *sip.UA {
		ua, err := sip.New(sip.Config{
			User:      user,
			Password:  sip.Secret("pass" + user),
			Domain:    lab.Domain(),
			Registrar: server,
			Proxy:     server,
			LocalAddr: netip.MustParseAddr("127.0.0.1"),
		})
		if err != nil {
			panic(err)
		}
		go ua.Run(ctx)
		return ua
	}
	alice, bob := phone("1001"), phone("1002")
	for _, ua := range []*sip.UA{alice, bob} {
		if err := ua.Register(ctx); err != nil {
			panic(err)
		}
	}

	offer := sip.SDP([]byte("v=0\r\n(alice's offer)\r\n"))
	call, err := alice.Invite(ctx, "1002", offer, sip.InviteOptions{})
	if err != nil {
		panic(err)
	}
	// Bob's owner goroutine: the phone rings.
	var incoming *sip.Call
	for ev := range bob.Events() {
		if in, ok := ev.(sip.IncomingCallEvent); ok {
			fmt.Printf("bob: call from %s with %q\n", in.From.User, in.Offer.Data)
			incoming = in.Call
			incoming.Ring(ctx, sip.Body{})
			break
		}
	}
	// Alice's owner goroutine: she hears ringing, Bob picks up, she hangs up.
	for ev := range alice.Events() {
		switch e := ev.(type) {
		case sip.CallProgressEvent:
			fmt.Printf("alice: %d %s\n", e.Code, e.Reason)
			incoming.Answer(ctx, sip.SDP([]byte("v=0\r\n(bob's answer)\r\n")))
		case sip.CallAnsweredEvent:
			fmt.Printf("alice: answered with %q\n", e.Answer.Data)
			call.Hangup(ctx)
		case sip.CallEndedEvent:
			fmt.Printf("alice: call ended (%s)\n", e.Cause)
			return
		}
	}
	// Output:
	// bob: call from 1001 with "v=0\r\n(alice's offer)\r\n"
	// alice: 180 Ringing
	// alice: answered with "v=0\r\n(bob's answer)\r\n"
	// alice: call ended (hangup)
}
