package device

import "time"

// RegState is a line's registration state.
type RegState string

// Registration states.
const (
	RegDisabled    RegState = "disabled" // line not enabled or not configured
	RegRegistering RegState = "registering"
	RegRegistered  RegState = "registered"
	RegFailed      RegState = "failed" // Reason says why; retried with back-off
)

// Line is one SIP line (voip/line/{n}) and its registration.
type Line struct {
	Index     int
	ID        string // user part (voip/line/{n}/id)
	Display   string // what the idle screen shows (extension_display / description)
	State     RegState
	Registrar string    // where it registered (host:port;transport)
	Expires   time.Time // when the registration ends unless refreshed
	Reason    string    // failure reason (status code and phrase) when failed
	DND       bool      // do not disturb active on this line
	Forward   string    // call-forward-all target, "" when off
}

// CallState is where a call stands.
type CallState string

// Call states.
const (
	CallDialing   CallState = "dialing"   // the user is typing the number
	CallCalling   CallState = "calling"   // INVITE sent, no answer yet
	CallRinging   CallState = "ringing"   // the far end rings (180/183)
	CallIncoming  CallState = "incoming"  // this phone rings
	CallConnected CallState = "connected" // talking
	CallHeld      CallState = "held"      // put on hold by this phone
	CallEnded     CallState = "ended"     // kept briefly for the screen and events
)

// Direction of a call.
type Direction string

// Directions.
const (
	Outgoing Direction = "outgoing"
	Incoming Direction = "incoming"
)

// Call is one call of the phone.
type Call struct {
	ID         string // device-local handle, stable for the call's life
	Line       int
	Direction  Direction
	State      CallState
	Number     string // what was dialled, or the caller's number
	RemoteURI  string
	RemoteName string // display name per lync/contact_name_priority
	// RemoteHeld is set while the far end has put this call on hold.
	RemoteHeld bool
	Muted      bool
	Codec      string // negotiated codec, e.g. PCMU
	Started    time.Time
	Answered   time.Time
	Ended      time.Time
	EndReason  string // e.g. "486 Busy Here", "remote hangup"
	// Waiting marks an incoming call presented during another call.
	Waiting bool
	// Discreet marks a discreet (one-way, auto-answered) call.
	Discreet bool
	// Conference marks a call joined in the local three-way conference.
	Conference bool
	// Transfer describes a transfer in progress ("blind to 1003",
	// "consulting 1003"), empty when none.
	Transfer string
}

// MWI is the message-waiting indication of a line.
type MWI struct {
	Waiting     bool
	New, Old    int
	Voicemail   string // voice_mail_number
	LastChanged time.Time
}

// Page is a multicast page being sent or played.
type Page struct {
	Group    int // functional key / paging group index
	Name     string
	Address  string // multicast address:port
	Sending  bool
	Started  time.Time
	Pending  bool // in a call without barge-in: waiting for the user to accept
	Accepted bool
}
