package media

import (
	"fmt"

	"github.com/pion/srtp/v3"

	"github.com/hdphone/hdphone/media/sdp"
)

// srtpProfile maps an SDES suite name to pion's protection profile.
func srtpProfile(suite string) (srtp.ProtectionProfile, error) {
	switch suite {
	case sdp.SuiteAES128SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case sdp.SuiteAES128SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	case sdp.SuiteAES256SHA1_80:
		return srtp.ProtectionProfileAes256CmHmacSha1_80, nil
	case sdp.SuiteAES256SHA1_32:
		return srtp.ProtectionProfileAes256CmHmacSha1_32, nil
	}
	return 0, fmt.Errorf("%w: unsupported suite %q", ErrSRTP, suite)
}

// newSRTPContext makes one SRTP context from an SDES master key and salt.
// Contexts are stateful (rollover counters, replay windows) and not safe
// for concurrent use, so each direction and each goroutine gets its own.
func newSRTPContext(suite string, keySalt []byte) (*srtp.Context, error) {
	profile, err := srtpProfile(suite)
	if err != nil {
		return nil, err
	}
	kl, err := profile.KeyLen()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSRTP, err)
	}
	sl, err := profile.SaltLen()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSRTP, err)
	}
	if len(keySalt) != kl+sl {
		return nil, fmt.Errorf("%w: %s key is %d bytes, want %d", ErrSRTP, suite, len(keySalt), kl+sl)
	}
	c, err := srtp.CreateContext(keySalt[:kl], keySalt[kl:], profile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSRTP, err)
	}
	return c, nil
}

// srtpKeys is the set of contexts of one session, made from a negotiated
// sdp.SRTP: RTP out (pacer), RTP in (RTP reader), RTCP out (RTCP sender,
// under the session's rtcp mutex) and RTCP in (RTCP reader).
type srtpKeys struct {
	rtpOut, rtpIn, rtcpOut, rtcpIn *srtp.Context
	overhead                       int // bytes an SRTP packet adds
}

func newSRTPKeys(k *sdp.SRTP) (*srtpKeys, error) {
	if k == nil {
		return nil, nil
	}
	var s srtpKeys
	var err error
	for _, p := range []struct {
		c   **srtp.Context
		key []byte
	}{{&s.rtpOut, k.LocalKey}, {&s.rtcpOut, k.LocalKey}, {&s.rtpIn, k.RemoteKey}, {&s.rtcpIn, k.RemoteKey}} {
		if *p.c, err = newSRTPContext(k.Suite, p.key); err != nil {
			return nil, err
		}
	}
	profile, _ := srtpProfile(k.Suite)
	s.overhead, _ = profile.AuthTagRTPLen()
	return &s, nil
}
