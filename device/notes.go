package device

import "strings"

// TroubleshootingNotes are the notifications of the manual's troubleshooting
// tables (Table 2-9, §8.1, §8.2), with %s where the manual prints <domain> or
// <>. While one of them is shown the ringer LED is red and the phone places no
// calls (SIGN-14). Other notifications (a failed provisioning attempt, an
// upgrade in progress) are shown but do not stop the phone.
var TroubleshootingNotes = []string{
	"Failed to validate certificate",
	"Failed to obtain user certificate",
	"Failed to connect to time server",
	"PIN internal error",
	"Failed to connect %s server",
	"Cannot find Lync server at %s",
	"Location look-up failed. Please enter your address.",
	"LAN Link failure",
	"Duplicate IP",
	"Failed to connect to Lync server",
	"PIN invalid phone info",
	"PIN not set",
	"PIN expired",
	"PIN account disabled",
	"Invalid address, username or password",
	"The phone number or extension is not valid",
}

// IsTroubleshooting reports whether text is one of TroubleshootingNotes.
func IsTroubleshooting(text string) bool {
	for _, t := range TroubleshootingNotes {
		pre, suf, templ := strings.Cut(t, "%s")
		if !templ && text == t || templ && len(text) > len(pre)+len(suf) &&
			strings.HasPrefix(text, pre) && strings.HasSuffix(text, suf) {
			return true
		}
	}
	return false
}

// blockingNote returns the troubleshooting notification that stops calls,
// or "".
func blockingNote(s *state) string {
	for _, n := range s.Notifications {
		if IsTroubleshooting(n.Text) {
			return n.Text
		}
	}
	return ""
}
