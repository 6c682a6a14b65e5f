package provisioning

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
)

// KeepAlivePath is where the Device Manager receives keep-alives
// (field-facts).
const KeepAlivePath = "/rest/v1/ipphoneMgrStatus/keep-alive"

// Status is the JSON body of a Device Manager keep-alive, with the field
// names real phones send. The integrator fills it from the phone's state.
type Status struct {
	SessionID       string `json:"sessionId,omitempty"`
	EmsUserName     string `json:"emsUserName,omitempty"`
	EmsUserPassword string `json:"emsUserPassword,omitempty"`
	MAC             string `json:"mac"`
	IP              string `json:"ip"`
	Subnet          string `json:"subnet,omitempty"`
	Region          string `json:"region,omitempty"`
	Model           string `json:"model"`
	FWVersion       string `json:"fwVersion"`
	UserAgent       string `json:"userAgent,omitempty"`
	UserName        string `json:"userName,omitempty"`
	UserID          string `json:"userId,omitempty"`
	// Status is "started" on boot, then e.g. "registered".
	Status       string `json:"status"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
	Location     string `json:"location,omitempty"`
	SIPProxy     string `json:"sipProxy,omitempty"`
	BToEPairing  string `json:"BToEpairingstatus,omitempty"`
	BToEVersion  string `json:"BToEversion,omitempty"`
	HeadsetType  string `json:"headsetType,omitempty"`
	SpeakerModel string `json:"speakerModel,omitempty"`
	SpeakerFW    string `json:"speakerFwVersion,omitempty"`
}

// KeepAlive reports the phone to the Device Manager (OVOC) every Period
// (PROV-7). A keep-alive that gets no 2xx answer marks the link down until
// one does.
type KeepAlive struct {
	// URL is ems_server/provisioning/url, e.g. http://10.1.8.23:8081.
	URL string
	// User and Password are ems_server/user_name and user_password, sent in
	// the body as emsUserName/emsUserPassword.
	User, Password string
	// Period is ems_server/keep_alive_period; 0: 60 minutes.
	Period time.Duration
	// Timeout bounds one keep-alive; 0: 30 s.
	Timeout time.Duration
	// HTTP sends the requests (the phone's *fetch.Client).
	HTTP HTTPDoer
	// Status returns the phone's current state for the body.
	Status func() Status
	// OnLink is called when the link goes up or down (not for every
	// keep-alive); it must not block.
	OnLink func(up bool)
	// Clock; nil: the real clock.
	Clock clock.Clock
	// Logger; nil: discard. The password is never logged.
	Logger *slog.Logger

	mu   sync.Mutex // guards up and seen
	up   bool
	seen bool
}

// KeepAliveFrom fills the Device Manager fields from c; ok is false when
// ems_server/provisioning/url is empty (no Device Manager).
func KeepAliveFrom(c *config.Config) (k *KeepAlive, ok bool) {
	k = &KeepAlive{}
	k.URL = strings.TrimSpace(c.Get("ems_server/provisioning/url"))
	k.User = c.Get("ems_server/user_name")
	k.Password = c.Get("ems_server/user_password")
	if m := c.Int("ems_server/keep_alive_period"); m > 0 {
		k.Period = time.Duration(m) * time.Minute
	}
	return k, k.URL != ""
}

// Up reports whether the last keep-alive was answered.
func (k *KeepAlive) Up() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.up
}

// Run sends a keep-alive at once and then every Period until ctx ends (it
// then returns nil).
func (k *KeepAlive) Run(ctx context.Context) error {
	if k.HTTP == nil || k.Status == nil {
		return fmt.Errorf("provisioning: KeepAlive needs HTTP and Status")
	}
	clk := clock.OrReal(k.Clock)
	period := k.Period
	if period <= 0 {
		period = 60 * time.Minute
	}
	for {
		k.Send(ctx)
		if clock.Sleep(ctx, clk, period) != nil {
			return nil
		}
	}
}

// Send sends one keep-alive and updates the link state; it returns the
// failure, if any.
func (k *KeepAlive) Send(ctx context.Context) error {
	log := k.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	err := k.send(ctx)
	k.mu.Lock()
	changed := !k.seen || k.up != (err == nil)
	k.up, k.seen = err == nil, true
	k.mu.Unlock()
	if err != nil {
		log.Warn("Device Manager keep-alive failed; link down", "url", k.URL, "err", err)
	}
	if changed && k.OnLink != nil {
		k.OnLink(err == nil)
	}
	return err
}

func (k *KeepAlive) send(ctx context.Context) error {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st := k.Status()
	st.EmsUserName, st.EmsUserPassword = k.User, k.Password
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	url := strings.TrimSuffix(k.URL, "/") + KeepAlivePath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: ems_server/provisioning/url %q: %w", ErrBadURL, k.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.HTTP.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("provisioning: keep-alive: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("provisioning: keep-alive: HTTP %s", resp.Status)
	}
	return nil
}
