package ui

import (
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/device"
)

// softkeys is the whole softkey layout of the current screen; the row
// shows four at a time (visibleSoftkeys).
func softkeys(v view) []softkey {
	switch which(v) {
	case scrOff, scrBoot, scrSaver:
		return nil
	case scrPage:
		return v.UI.top().softkeys()
	case scrLocked:
		return []softkey{{"Unlock", actUnlock}, {"Emergency", actEmergency}}
	case scrCall:
		return callSoftkeys(v)
	case scrPaging:
		p := v.State.Pages[len(v.State.Pages)-1]
		if p.Pending {
			return []softkey{{"Accept", actAcceptPage}, {"Reject", actRejectPage}}
		}
		if p.Sending {
			return []softkey{{"End", actEndPage}}
		}
		return nil
	}
	keys := []softkey{{"Redial", actRedial}}
	// CALL-3: no Forward softkey without call forwarding.
	if v.flag("voip/line/0/call_forward/enabled") {
		keys = append(keys, softkey{"Forward", actForward})
	}
	if v.flag("voip/line/0/do_not_disturb/enabled") {
		keys = append(keys, softkey{"DND", actDND})
	}
	return append(keys, softkey{"Menu", actMenu})
}

// callSoftkeys is the layout of the call screens.
func callSoftkeys(v view) []softkey {
	if _, ok := pendingPage(v); ok {
		return []softkey{{"Accept", actAcceptPage}, {"Reject", actRejectPage}}
	}
	if _, ok := v.waiting(); ok {
		return []softkey{{"Answer", actAnswer}, {"Reject", actReject}, {"End", actEnd}}
	}
	f, ok := v.focused()
	if !ok {
		return nil
	}
	_, consulting := v.consulting()
	switch f.State {
	case device.CallDialing:
		return []softkey{{"Dial", actDial}, {"Clear", actClearDigit}, {"", actNone}, {"Cancel", actCancel}}
	case device.CallIncoming:
		return []softkey{{"Answer", actAnswer}, {"Reject", actReject}}
	case device.CallCalling, device.CallRinging:
		if consulting {
			return []softkey{{"Trans", actTrans}, {"End", actEnd}}
		}
		return []softkey{{"End", actEnd}}
	case device.CallHeld:
		keys := []softkey{{"Resume", actResume}, {"End", actEnd}}
		if consulting {
			keys = append(keys, softkey{"Trans", actTrans})
		}
		return withOngoing(v, keys, true)
	case device.CallConnected:
		if consulting {
			return withOngoing(v, []softkey{{"Trans", actTrans}, {"End", actEnd}, {"Swap", actSwap}}, false)
		}
		if _, held := v.call(device.CallHeld); held {
			keys := []softkey{{"End", actEnd}, {"Swap", actSwap}}
			if v.flag("lync/local3wayConf/enabled") {
				keys = append(keys, softkey{"Conf", actConf})
			}
			return withOngoing(v, keys, false)
		}
		keys := []softkey{{"End", actEnd}, {"Trans", actTrans}}
		// XFER-2: BXfer, or Hold in its place.
		if v.flag("voip/signalling/sip/sk_blind_transfer/enable") {
			keys = append(keys, softkey{"BXfer", actBXfer})
		} else {
			keys = append(keys, softkey{"Hold", actHold})
		}
		// CALL-9: no Conf softkey without the local conference.
		if v.flag("lync/local3wayConf/enabled") {
			keys = append(keys, softkey{"Conf", actConf})
		}
		return withOngoing(v, keys, false)
	}
	return nil
}

// withOngoing adds the programmable in-call softkeys
// (personal_settings/soft_keys/ongoing_call/{n}/key_function, n 0-19) the
// layout does not have yet: PAGING gives a Paging softkey on the call and
// Hold screens (PAGE-6).
func withOngoing(v view, keys []softkey, held bool) []softkey {
	has := func(a act) bool {
		for _, k := range keys {
			if k.Act == a {
				return true
			}
		}
		return false
	}
	for n := range 20 {
		var k softkey
		switch strings.ToUpper(strings.TrimSpace(v.get("personal_settings/soft_keys/ongoing_call/" + strconv.Itoa(n) + "/key_function"))) {
		case "PAGING":
			if !v.Model.Caps.Paging {
				continue
			}
			k = softkey{"Paging", actPaging}
		case "TRANSFER":
			k = softkey{"Trans", actTrans}
		case "BLIND_TRANSFER":
			if held {
				continue
			}
			k = softkey{"BXfer", actBXfer}
			if !v.flag("voip/signalling/sip/sk_blind_transfer/enable") {
				k = softkey{"Hold", actHold}
			}
		case "CONF":
			if !v.flag("lync/local3wayConf/enabled") {
				continue
			}
			k = softkey{"Conf", actConf}
		case "END":
			k = softkey{"End", actEnd}
		default:
			continue
		}
		if !has(k.Act) {
			keys = append(keys, k)
		}
	}
	return keys
}

// visibleSoftkeys is the row as shown: up to four softkeys; a longer
// layout shows three at a time and More, which turns the page.
func visibleSoftkeys(v view) []softkey {
	keys := softkeys(v)
	if len(keys) == 0 {
		return nil
	}
	if len(keys) <= 4 {
		out := make([]softkey, 4)
		copy(out, keys)
		return out
	}
	pages := (len(keys) + 2) / 3
	pg := 0
	if v.UI != nil {
		pg = v.UI.softPage % pages
	}
	out := make([]softkey, 4)
	copy(out, keys[pg*3:min(pg*3+3, len(keys))])
	out[3] = softkey{"More", actMore}
	return out
}
