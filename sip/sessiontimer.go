package sip

import (
	"errors"
	"strconv"
	"strings"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// Session timers, RFC 4028 (the phone's support is "partial": refresh by
// re-INVITE only, since UPDATE is not among its methods).

// parseSessionExpires reads "1800;refresher=uac".
func parseSessionExpires(v string) (d time.Duration, refresher string, ok bool) {
	if v == "" {
		return 0, "", false
	}
	parts := strings.Split(v, ";")
	d, ok = parseExpires(parts[0])
	if !ok || d <= 0 {
		return 0, "", false
	}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(val))
		}
	}
	return d, refresher, true
}

// sessionTimerFromRequest negotiates the session timer of an INVITE we
// answer (UAS); the caller holds c.mu. It returns 422 when the interval is
// below Min-SE, else 0.
func (c *Call) sessionTimerFromRequest(req *sipgosip.Request) int {
	cfg := c.ua.cfg
	se, refresher, ok := parseSessionExpires(headerValue(req, "Session-Expires"))
	peerTimer := hasToken(req, "Supported", "timer")
	switch {
	case ok && se < cfg.MinSE:
		return 422
	case ok:
		c.se = se
		switch refresher {
		case "uac":
			c.refresher = false
		case "uas":
			c.refresher = true
		default:
			// RFC 4028 §9: the UAS picks; a UAC that supports timers refreshes.
			c.refresher = !peerTimer
		}
	case peerTimer && cfg.SessionExpires > 0:
		c.se = cfg.SessionExpires
		c.refresher = false
	default:
		c.se = 0
	}
	return 0
}

// sessionTimerFromResponse reads the session timer of the 2xx to an INVITE
// we sent (UAC) and arms it.
func (c *Call) sessionTimerFromResponse(res *sipgosip.Response) {
	se, refresher, ok := parseSessionExpires(headerValue(res, "Session-Expires"))
	c.mu.Lock()
	if !ok {
		c.se = 0
	} else {
		c.se = se
		c.refresher = refresher != "uas"
	}
	c.mu.Unlock()
	c.armSessionTimer()
}

// armSessionTimer (re)starts the session timer: the refresher refreshes at
// half the interval; the other side sends BYE if no refresh came by the
// interval minus min(32 s, interval/3) (RFC 4028 §10).
func (c *Call) armSessionTimer() {
	u := c.ua
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stTimer != nil {
		c.stTimer.Stop()
		c.stTimer = nil
	}
	if c.se <= 0 || c.state == CallEnded {
		return
	}
	if c.refresher {
		c.stTimer = u.clk.AfterFunc(c.se/2, c.refreshSession)
		return
	}
	c.stTimer = u.clk.AfterFunc(c.se-min(32*time.Second, c.se/3), c.sessionExpired)
}

// refreshSession re-INVITEs with the current SDP.
func (c *Call) refreshSession() {
	u := c.ua
	if u.runCtx.Err() != nil {
		return
	}
	c.mu.Lock()
	body := c.localBody
	se := c.se
	c.mu.Unlock()
	_, err := c.Reinvite(u.runCtx, body)
	if err == nil {
		return // armed again from the 2xx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == CallEnded {
		return
	}
	wait := se/2 - min(32*time.Second, se/3)
	if code := responseCode(err); code == 491 || errors.Is(err, ErrCallState) {
		wait = time.Second // glare or our own re-INVITE in flight: try again soon
		c.stTimer = u.clk.AfterFunc(wait, c.refreshSession)
		return
	}
	c.stTimer = u.clk.AfterFunc(max(wait, time.Second), c.sessionExpired)
}

// sessionExpired ends a call whose session was not refreshed in time.
func (c *Call) sessionExpired() {
	u := c.ua
	if u.runCtx.Err() != nil {
		return
	}
	c.mu.Lock()
	if c.state != CallConfirmed {
		c.mu.Unlock()
		return
	}
	req := c.d.request(u, sipgosip.BYE)
	req.AppendHeader(sipgosip.NewHeader("Reason", `SIP;cause=408;text="Session expired"`))
	req.SetBody(nil)
	d := c.d.clone()
	c.mu.Unlock()
	c.end(CallEndedEvent{Cause: "session-expired", Code: 408, Reason: "Session expired"})
	if _, err := u.sendInDialog(u.runCtx, &d, req, exchangeOpts{}); err != nil {
		u.log.Debug("BYE after session expiry failed", "err", err)
	}
}

// minSEHeader formats a Min-SE value.
func minSEHeader(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
