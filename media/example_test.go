package media_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/codec"
	"github.com/hdphone/hdphone/media/sdp"
)

// Example shows the integrator's side of a call: settings from the
// configuration, an engine for the phone's address, a session whose port
// goes into the SDP offer, the far end's answer negotiated and the session
// started with the result.
func Example() {
	cfg := config.Default().New("450HD")
	settings, _ := media.SettingsFromConfig(cfg)
	reg := codec.Default()
	offerCodecs, _ := settings.OfferCodecs(reg)

	phoneIP := netip.MustParseAddr("127.0.0.1")
	ecfg := settings.EngineConfig(phoneIP)
	ecfg.PortBase = media.PortAny // a fixed 4000 in a real phone; any free port here
	engine, err := media.NewEngine(ecfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go engine.Run(ctx)
	defer engine.Close()

	session, err := engine.NewSession(media.SessionConfig{Codecs: reg.Codecs(), Name: "call-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Close()
	local := sdp.Local{
		Addr:     phoneIP,
		Port:     int(session.LocalAddr().Port()),
		RTCPPort: int(session.LocalRTCP().Port()),
		Codecs:   offerCodecs,
		Security: settings.Security,
	}
	offer, _ := sdp.Offer(local) // goes out in the INVITE

	// The far end (here another phone's SDP code) answers with PCMU only.
	far := local
	far.Port, far.RTCPPort = 30000, 30001
	far.Codecs = []sdp.Codec{{Name: "PCMU", PayloadType: 0, ClockRate: 8000}}
	answer, _, _ := sdp.Answer(far, offer)

	result, err := sdp.Negotiate(local, answer)
	if err != nil {
		fmt.Println(err) // sdp.ErrNoCommonCodec: the SIP layer sends 488
		return
	}
	if err := session.Start(result); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range offerCodecs {
		fmt.Println("offer", c.Name, c.Ptime, "ms")
	}
	fmt.Println("sending", result.Codec.Name, "every", result.Ptime, "ms to", result.Remote, result.Direction)
	fmt.Println("DTMF:", session.SendDTMF('5', 0))
	// Output:
	// offer G722 20 ms
	// offer PCMU 20 ms
	// offer PCMA 20 ms
	// sending PCMU every 20 ms to 127.0.0.1:30000 sendrecv
	// DTMF: <nil>
}
