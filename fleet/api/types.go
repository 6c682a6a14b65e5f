package api

import (
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/hw"
)

// The JSON documents of the API. They are plain data so that a client in
// another repository (fleet/client) decodes them without the device
// package's internals.

// PhoneSummary is one phone in the list.
type PhoneSummary struct {
	ID           string `json:"id"`
	Group        string `json:"group,omitempty"`
	Model        string `json:"model"`
	MAC          string `json:"mac"`
	Power        bool   `json:"power"`
	Stage        string `json:"stage"`
	Firmware     string `json:"firmware"`
	Registration string `json:"registration,omitempty"`
	Calls        int    `json:"calls"`
	Screen       bool   `json:"screen"`
}

// PhoneState is one phone in full.
type PhoneState struct {
	PhoneSummary
	Since     time.Time `json:"since"`
	BootCount int       `json:"boot_count"`
	Status    string    `json:"status,omitempty"`
	// Failure is the last boot stage of this power cycle that failed, and
	// why ("sign-in: …").
	Failure       string   `json:"failure,omitempty"`
	LinkUp        bool     `json:"link_up"`
	Notifications []string `json:"notifications"`
	Network       Network  `json:"network"`
	Lines         []Line   `json:"lines"`
	Calls         []Call   `json:"calls"`
	Pages         []Page   `json:"pages"`
	OffHook       bool     `json:"off_hook"`
	Audio         string   `json:"audio,omitempty"`
	// Quality is the voice-quality report of the phone's last reported
	// call, when it sends them.
	Quality *Quality `json:"quality,omitempty"`
	// Locked is set while the user has locked the phone.
	Locked bool `json:"locked,omitempty"`
}

// Quality is an RFC 6035 report the phone sent at the end of a call.
type Quality struct {
	Call   string  `json:"call"`
	CallID string  `json:"sip_call_id"`
	To     string  `json:"to"`
	Sent   bool    `json:"sent"`
	Error  string  `json:"error,omitempty"`
	Codec  string  `json:"codec,omitempty"`
	MOSLQ  float64 `json:"mos_lq"`
	MOSCQ  float64 `json:"mos_cq"`
	Loss   float64 `json:"loss_percent"`
}

// Network is the phone's address and what DHCP said.
type Network struct {
	Address         string `json:"address,omitempty"`
	Gateway         string `json:"gateway,omitempty"`
	DHCPServer      string `json:"dhcp_server,omitempty"`
	ProvisioningURL string `json:"provisioning_url,omitempty"`
}

// Line is a SIP line and its registration.
type Line struct {
	Index     int       `json:"index"`
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Registrar string    `json:"registrar,omitempty"`
	Expires   time.Time `json:"expires,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	DND       bool      `json:"dnd"`
	Forward   string    `json:"forward,omitempty"`
}

// Call is one call.
type Call struct {
	ID         string    `json:"id"`
	Line       int       `json:"line"`
	Direction  string    `json:"direction"`
	State      string    `json:"state"`
	Number     string    `json:"number"`
	RemoteName string    `json:"remote_name,omitempty"`
	RemoteHeld bool      `json:"remote_held,omitempty"`
	Muted      bool      `json:"muted,omitempty"`
	Codec      string    `json:"codec,omitempty"`
	Started    time.Time `json:"started,omitzero"`
	Answered   time.Time `json:"answered,omitzero"`
	Ended      time.Time `json:"ended,omitzero"`
	EndReason  string    `json:"end_reason,omitempty"`
	Transfer   string    `json:"transfer,omitempty"`
	Conference bool      `json:"conference,omitempty"`
}

// Page is a multicast page being sent or played.
type Page struct {
	Group    int    `json:"group"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	Sending  bool   `json:"sending"`
	Pending  bool   `json:"pending,omitempty"`
	Accepted bool   `json:"accepted,omitempty"`
}

// Screen is what the phone's display and LEDs show.
type Screen struct {
	Text string            `json:"text"`
	Rows []string          `json:"rows"`
	LEDs map[string]string `json:"leds"`
}

// Event is something that happened to a phone.
type Event struct {
	Phone string `json:"phone"`
	device.Event
}

// CallRef names a call in a request ("" means the phone's current call)
// and is the answer of dial.
type CallRef struct {
	Call string `json:"call,omitempty"`
}

// DialRequest asks a phone to dial.
type DialRequest struct {
	Number string `json:"number"`
}

// TransferRequest asks a phone to transfer a call.
type TransferRequest struct {
	Call   string `json:"call,omitempty"`
	Target string `json:"target"`
	// Kind is "blind" (the default) or "attended".
	Kind string `json:"kind,omitempty"`
}

// DTMFRequest asks a phone to send digits in a call.
type DTMFRequest struct {
	Call   string `json:"call,omitempty"`
	Digits string `json:"digits"`
}

// KeysRequest presses keys on the faceplate, in order: digits, hard-key
// names (OK, MENU, SOFT1, HOLD, SPEAKER, HOOK…), PROGn and FUNCn.
type KeysRequest struct {
	Keys []string `json:"keys"`
}

// SwitchRequest turns power, the link, DND or mute on or off.
type SwitchRequest struct {
	On bool `json:"on"`
}

// ForwardRequest sets or clears call forwarding ("" turns it off).
type ForwardRequest struct {
	Target string `json:"target"`
}

// ConfigResult is the outcome of applying a configuration.
type ConfigResult struct {
	// Issues are the file's warnings (unknown or repeated keys).
	Issues []string `json:"issues"`
	// Reboot says a changed parameter needs a restart to take effect.
	Reboot bool `json:"reboot"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}

func summaryOf(p *Phone, s device.State) PhoneSummary {
	sum := PhoneSummary{ID: p.ID, Group: p.Group, Model: string(s.Model), MAC: s.MAC, Power: s.Power,
		Stage: string(s.Stage), Firmware: s.Firmware, Screen: p.Screen != nil}
	if len(s.Lines) > 0 {
		sum.Registration = string(s.Lines[0].State)
	}
	for _, c := range s.Calls {
		if c.State != device.CallEnded {
			sum.Calls++
		}
	}
	return sum
}

func stateOf(p *Phone, s device.State) PhoneState {
	st := PhoneState{PhoneSummary: summaryOf(p, s), Since: s.Since, BootCount: s.BootCount, Status: s.Status, Failure: s.Failure,
		LinkUp: p.Device.LinkUp(), OffHook: s.OffHook, Audio: string(s.Audio),
		Notifications: []string{}, Lines: []Line{}, Calls: []Call{}, Pages: []Page{}}
	for _, n := range s.Notifications {
		st.Notifications = append(st.Notifications, n.Text)
	}
	if s.Network.Address.IsValid() {
		st.Network.Address = s.Network.Address.String()
	}
	if s.Network.Gateway.IsValid() {
		st.Network.Gateway = s.Network.Gateway.String()
	}
	if s.Network.DHCPServer.IsValid() {
		st.Network.DHCPServer = s.Network.DHCPServer.String()
	}
	st.Network.ProvisioningURL = s.Network.ProvisioningURL
	for _, l := range s.Lines {
		st.Lines = append(st.Lines, Line{Index: l.Index, ID: l.ID, State: string(l.State), Registrar: l.Registrar,
			Expires: l.Expires, Reason: l.Reason, DND: l.DND, Forward: l.Forward})
	}
	for _, c := range s.Calls {
		st.Calls = append(st.Calls, callOf(c))
	}
	for _, pg := range s.Pages {
		st.Pages = append(st.Pages, Page{Group: pg.Group, Name: pg.Name, Address: pg.Address, Sending: pg.Sending,
			Pending: pg.Pending, Accepted: pg.Accepted})
	}
	st.Locked = s.Locked
	if q := s.Quality; q != nil {
		st.Quality = &Quality{Call: q.Call, CallID: q.CallID, To: q.To, Sent: q.Sent, Error: q.Error, Codec: q.Codec,
			MOSLQ: q.MOSLQ, MOSCQ: q.MOSCQ, Loss: q.Loss}
	}
	return st
}

func callOf(c device.Call) Call {
	return Call{ID: c.ID, Line: c.Line, Direction: string(c.Direction), State: string(c.State), Number: c.Number,
		RemoteName: c.RemoteName, RemoteHeld: c.RemoteHeld, Muted: c.Muted, Codec: c.Codec, Started: c.Started,
		Answered: c.Answered, Ended: c.Ended, EndReason: c.EndReason, Transfer: c.Transfer, Conference: c.Conference}
}

func screenOf(sc ScreenReader) Screen {
	out := Screen{Text: sc.Text(), LEDs: map[string]string{}}
	out.Rows = splitRows(out.Text)
	for id, st := range sc.LEDs() {
		out.LEDs[id.String()] = st.String()
	}
	return out
}

func splitRows(text string) []string {
	rows := []string{}
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			rows = append(rows, text[start:i])
			start = i + 1
		}
	}
	if start < len(text) {
		rows = append(rows, text[start:])
	}
	return rows
}

// ScreenReader is the part of a screen the API reads and presses.
type ScreenReader interface {
	Text() string
	LEDs() map[hw.LED]hw.LEDState
	Press(k hw.Key, index int) error
}
