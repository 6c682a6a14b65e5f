package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/hw"
)

// multiTap are the letters of the dial-pad keys for text entries.
var multiTap = map[byte]string{
	'1': ".1", '2': "abc2", '3': "def3", '4': "ghi4", '5': "jkl5", '6': "mno6",
	'7': "pqrs7", '8': "tuv8", '9': "wxyz9", '0': " 0", '*': "*.@-_",
}

// multiTapWindow is how soon a second tap of the same key picks the next
// letter instead of adding one.
const multiTapWindow = 1200 // ms

// onKey handles one key event from the board or Press.
func (a *App) onKey(ev hw.Event) {
	if ev.Key == hw.KeyHook {
		a.onHook(ev.Action == hw.Press)
		return
	}
	if ev.Key == hw.KeyEHS {
		a.onEHS(ev.Action == hw.Press)
		return
	}
	if ev.Action != hw.Press {
		return // the phone acts on presses; no key has a long-press function
	}
	saver := a.st.saver
	a.wake()
	if saver {
		return // the key only wakes the screen
	}
	v := a.view()
	if !v.State.Power || v.State.Stage != device.StageIdle {
		return // keys do nothing while the phone starts
	}
	if p := a.st.top(); p != nil && a.pageKey(v, p, ev) {
		return
	}
	a.homeKey(v, ev)
}

// callsBlocked reports why the user may not start a call now: a
// notification is shown (SIGN-14), or the phone is locked (LOCK-2).
func (a *App) callsBlocked(v view) string {
	if len(v.notes()) > 0 {
		return "Calls are not available"
	}
	if a.st.locked && !a.lockAllowsOutgoing(v) {
		return "Phone locked"
	}
	return ""
}

// onHook is the handset's hook switch.
func (a *App) onHook(off bool) { a.hookSwitch(off, a.phone.Hook, false) }

// onEHS is a DHSG headset's hook; the phone ignores it unless the
// electronic hook switch is on (Phone.EHS refuses it then: quietly).
func (a *App) onEHS(off bool) { a.hookSwitch(off, a.phone.EHS, true) }

// hookSwitch moves a hook: off-hook with no call starts one (unless calls
// are blocked now), on-hook ends what that device carries.
func (a *App) hookSwitch(off bool, move func(context.Context, bool) error, quietRefusal bool) {
	a.wake()
	v := a.view()
	if off && len(v.liveCalls()) == 0 {
		if why := a.callsBlocked(v); why != "" {
			a.note(why)
			return
		}
	}
	if err := move(a.ctx, off); !quietRefusal || !errors.Is(err, device.ErrBadIntent) {
		a.try(err)
	}
}

// homeKey is a key on the phone's own screens (idle, dialing, calls).
func (a *App) homeKey(v view, ev hw.Event) {
	p := a.phone
	ctx := a.ctx
	live := v.liveCalls()
	if d, ok := ev.Key.Digit(); ok {
		if len(live) == 0 || onlyIncoming(live) {
			if len(live) > 0 {
				return // digits do nothing while the phone rings
			}
			if why := a.callsBlocked(v); why != "" {
				a.note(why)
				return
			}
		}
		a.try(p.Key(ctx, d))
		return
	}
	switch ev.Key {
	case hw.KeySoft1, hw.KeySoft2, hw.KeySoft3, hw.KeySoft4:
		keys := visibleSoftkeys(v)
		i := int(ev.Key - hw.KeySoft1)
		if i < len(keys) {
			a.doAct(v, keys[i].Act)
		}
	case hw.KeyOK:
		switch f, ok := v.focused(); {
		case !ok:
		case f.State == device.CallDialing:
			a.doAct(v, actDial)
		case f.State == device.CallIncoming:
			a.doAct(v, actAnswer)
		}
	case hw.KeyBack:
		if f, ok := v.focused(); ok && f.State == device.CallDialing {
			a.doAct(v, actCancel)
		}
	case hw.KeyMenu:
		if a.st.locked {
			a.note("Phone locked")
			return
		}
		a.doAct(v, actMenu)
	case hw.KeySpeaker:
		if len(live) == 0 {
			if why := a.callsBlocked(v); why != "" {
				a.note(why)
				return
			}
		}
		a.try(p.Speaker(ctx))
	case hw.KeyHeadset:
		if len(live) == 0 {
			if why := a.callsBlocked(v); why != "" {
				a.note(why)
				return
			}
		}
		a.try(p.Headset(ctx))
	case hw.KeyMute:
		if c, ok := v.call(device.CallConnected); ok {
			a.try(p.Mute(ctx, !c.Muted))
		}
	case hw.KeyHold:
		if _, ok := v.call(device.CallConnected); ok {
			a.doAct(v, actHold)
		} else if _, ok := v.call(device.CallHeld); ok {
			a.doAct(v, actResume)
		}
	case hw.KeyTransfer:
		if _, ok := v.consulting(); ok {
			a.try(p.CompleteTransfer(ctx))
			return
		}
		if _, ok := v.call(device.CallConnected, device.CallHeld); ok {
			a.openTransfer(transferByKey)
		}
	case hw.KeyConference:
		if _, ok := v.call(device.CallConnected); ok && v.flag("lync/local3wayConf/enabled") {
			a.doAct(v, actConf)
		}
	case hw.KeyRedial:
		a.doAct(v, actRedial)
	case hw.KeyVoicemail:
		a.voicemail(v)
	case hw.KeyContacts:
		if a.st.locked {
			a.note("Phone locked")
			return
		}
		a.openDirectory()
	case hw.KeyVolumeUp, hw.KeyVolumeDown:
		// The volume belongs to the audio device; nothing on screen.
	case hw.KeyProgrammable, hw.KeyFunction:
		a.functionKey(v, ev.Index)
	}
}

func onlyIncoming(calls []device.Call) bool {
	for _, c := range calls {
		if c.State != device.CallIncoming {
			return false
		}
	}
	return true
}

// functionKey is programmable or function key n, by its type (KEYS-5).
func (a *App) functionKey(v view, n int) {
	if kind, _ := a.model.KeyAt(n); kind == model.NoKey {
		return
	}
	p, ctx := a.phone, a.ctx
	switch v.keyType(n) {
	case keySpeedDial:
		a.dial(v, v.get(keyPath(n, "speed_dial_number")))
	case keyPaging:
		for _, pg := range v.State.Pages {
			if pg.Sending && pg.Group == n {
				a.try(p.EndPage(ctx))
				return
			}
		}
		if why := a.callsBlocked(v); why != "" {
			a.note(why)
			return
		}
		a.try(p.Page(ctx, n))
	case keyDiscreet:
		if why := a.callsBlocked(v); why != "" {
			a.note(why)
			return
		}
		a.try(p.DiscreetCall(ctx, n))
	case keyVocaNOM:
		number := v.get("voip/services/vocanom/number")
		if number == "" || strings.EqualFold(number, "None") {
			a.note("Not available")
			return
		}
		a.dial(v, number)
	case keyEvent:
		if a.st.locked {
			a.note("Phone locked")
			return
		}
		switch parseKeyEvent(v.get(keyPath(n, "key_event"))) {
		case evMissed:
			a.openCallLog(flash.Missed)
		case evReceived:
			a.openCallLog(flash.Received)
		case evDialed:
			a.openCallLog(flash.Dialed)
		case evDirectory:
			a.openDirectory()
		case evDND:
			a.doAct(v, actDND)
		case evForward:
			if !v.flag("voip/line/0/call_forward/enabled") {
				a.note("Not available")
				return
			}
			a.openForward(v)
		default: // Calendar and Hot Desking need an Exchange or SfB server.
			a.note("Not available")
		}
	}
}

// dial places a call to number (speed dial, redial, lists).
func (a *App) dial(v view, number string) {
	if number == "" {
		a.note("No number")
		return
	}
	if why := a.callsBlocked(v); why != "" && len(v.liveCalls()) == 0 {
		a.note(why)
		return
	}
	_, err := a.phone.Dial(a.ctx, number)
	a.try(err)
}

// voicemail dials voice_mail_number; with vm_skip_pin_code/enabled=0 it
// asks for the PIN first and sends it after the answer (FEAT-3, FEAT-4).
func (a *App) voicemail(v view) {
	if a.st.locked {
		a.note("Phone locked")
		return
	}
	number := v.get("voip/services/msg_waiting_ind/voice_mail_number")
	if number == "" {
		number = v.State.MWI.Voicemail
	}
	if number == "" || v.get("voip/services/msg_waiting_ind/enabled") == "0" {
		a.note("No voicemail number")
		return
	}
	if v.flag("voip/services/vm_skip_pin_code/enabled") {
		a.dial(v, number)
		return
	}
	a.st.push(&page{kind: pageEntry, title: "Voicemail PIN", secret: true, submit: func(a *App, pin string) {
		a.st.pop()
		dialString := number
		if pin != "" {
			dialString += ",," + pin + "#"
		}
		a.dial(a.view(), dialString)
	}})
}

// pageKey handles a key on an open page; false leaves it to the phone's
// screens (hook, SPEAKER, MUTE, ...).
func (a *App) pageKey(v view, p *page, ev hw.Event) bool {
	switch ev.Key {
	case hw.KeySoft1, hw.KeySoft2, hw.KeySoft3, hw.KeySoft4:
		keys := visibleSoftkeys(v)
		if i := int(ev.Key - hw.KeySoft1); i < len(keys) {
			a.pageAct(p, keys[i].Act)
		}
		return true
	case hw.KeyBack:
		a.pageAct(p, actBack)
		return true
	case hw.KeyMenu:
		a.st.pages = nil
		return true
	case hw.KeyOK:
		switch p.kind {
		case pageList:
			a.pageAct(p, actSelect)
		case pageEntry:
			a.pageAct(p, actOK)
		case pageConfirm:
			a.pageAct(p, actYes)
		}
		return true
	case hw.KeyUp, hw.KeyDown:
		if p.kind == pageList && len(p.items) > 0 {
			d := 1
			if ev.Key == hw.KeyUp {
				d = -1
			}
			p.sel = (p.sel + d + len(p.items)) % len(p.items)
		}
		return true
	case hw.KeyLeft, hw.KeyRight:
		if p.kind == pageEntry {
			if ev.Key == hw.KeyLeft {
				p.cursor = max(p.cursor-1, 0)
			} else {
				p.cursor = min(p.cursor+1, width(p.input))
			}
		}
		return true
	}
	if d, ok := ev.Key.Digit(); ok {
		switch p.kind {
		case pageEntry:
			a.typeKey(p, d, ev)
		case pageList:
			// A digit picks the item with that number (1-9).
			if d >= '1' && d <= '9' && int(d-'1') < len(p.items) {
				p.sel = int(d - '1')
			}
		}
		return true
	}
	return ev.Key != hw.KeySpeaker && ev.Key != hw.KeyHeadset && ev.Key != hw.KeyMute &&
		ev.Key != hw.KeyHold && ev.Key != hw.KeyVolumeUp && ev.Key != hw.KeyVolumeDown &&
		ev.Key != hw.KeyProgrammable && ev.Key != hw.KeyFunction && ev.Key != hw.KeyTransfer &&
		ev.Key != hw.KeyConference && ev.Key != hw.KeyRedial
}

// typeKey types dial-pad key d into an entry at its cursor: digits, '*' as
// '.' in address fields, letters by multi-tap in abc mode ('#' switches).
func (a *App) typeKey(p *page, d byte, ev hw.Event) {
	if p.alpha && d == '#' {
		p.abc = !p.abc
		p.lastKey = 0
		return
	}
	r := []rune(p.input)
	p.cursor = min(max(p.cursor, 0), len(r))
	if p.alpha && p.abc {
		letters := multiTap[d]
		if letters != "" && p.lastKey == d && ev.At.Sub(p.lastTap).Milliseconds() < multiTapWindow && p.cursor > 0 {
			cur := strings.IndexRune(letters, r[p.cursor-1])
			r[p.cursor-1] = rune(letters[(cur+1)%len(letters)])
			p.input = string(r)
			p.lastTap = ev.At
			return
		}
		p.lastKey, p.lastTap = d, ev.At
		if letters != "" {
			d = letters[0]
		}
	}
	if len(r) >= 64 {
		return
	}
	ch := rune(d)
	if p.hint == hintIP && d == '*' {
		ch = '.'
	}
	r = append(r[:p.cursor], append([]rune{ch}, r[p.cursor:]...)...)
	p.input = string(r)
	p.cursor++
}

// pageAct does what a softkey (or OK/BACK) asks of an open page.
func (a *App) pageAct(p *page, x act) {
	if p.onSoft != nil && p.onSoft(a, x) {
		return
	}
	switch x {
	case actBack, actNo:
		a.st.pop()
	case actSelect:
		if p.sel >= 0 && p.sel < len(p.items) && p.items[p.sel].open != nil {
			p.items[p.sel].open(a)
		}
	case actOK, actSave:
		if p.submit != nil {
			p.submit(a, p.input)
		}
	case actClear:
		r := []rune(p.input)
		if p.cursor > 0 && p.cursor <= len(r) {
			p.input = string(append(r[:p.cursor-1], r[p.cursor:]...))
			p.cursor--
		}
	case actYes, actApply:
		if p.yes != nil {
			p.yes(a)
		}
	}
}

// doAct does what a softkey of the phone's own screens asks.
func (a *App) doAct(v view, x act) {
	p, ctx := a.phone, a.ctx
	switch x {
	case actMenu:
		a.openMenu(v)
	case actRedial:
		dialed, err := p.CallHistory(flash.Dialed)
		if err != nil || len(dialed) == 0 {
			a.note("No number")
			return
		}
		a.dial(v, dialed[0].Number)
	case actForward:
		a.openForward(v)
	case actDND:
		ln, _ := v.line()
		a.try(p.SetDND(ctx, !ln.DND))
	case actUnlock:
		a.openUnlock()
	case actEmergency:
		a.openEmergency()
	case actDial:
		if c, ok := v.call(device.CallDialing); ok && c.Number != "" {
			_, err := p.Dial(ctx, c.Number)
			a.try(err)
		}
	case actClearDigit:
		a.try(p.DeleteDigit(ctx))
	case actCancel, actEnd:
		if f, ok := v.focused(); ok {
			a.try(p.Hangup(ctx, f.ID))
		}
	case actAnswer:
		if c, ok := v.call(device.CallIncoming); ok {
			a.try(p.Answer(ctx, c.ID))
		}
	case actReject:
		if c, ok := v.call(device.CallIncoming); ok {
			a.try(p.Reject(ctx, c.ID))
		}
	case actHold:
		if c, ok := v.call(device.CallConnected); ok {
			a.try(p.Hold(ctx, c.ID))
		}
	case actResume, actSwap:
		if c, ok := v.call(device.CallHeld); ok {
			a.try(p.Resume(ctx, c.ID))
		}
	case actTrans:
		if _, ok := v.consulting(); ok {
			a.try(p.CompleteTransfer(ctx))
			return
		}
		a.openTransfer(transferConsult)
	case actBXfer:
		a.openTransfer(transferBlind)
	case actConf:
		_, held := v.call(device.CallHeld)
		_, active := v.call(device.CallConnected)
		if held && active {
			a.try(p.Conference(ctx))
			return
		}
		a.openConference()
	case actPaging:
		a.openPagingKeys(v)
	case actMore:
		a.st.softPage++
	case actAcceptPage, actRejectPage:
		a.try(p.AcceptPage(ctx, x == actAcceptPage))
	case actEndPage:
		a.try(p.EndPage(ctx))
	}
}

// transferMode is how a transfer target entry hands the call over.
type transferMode uint8

const (
	transferByKey   transferMode = iota // the TRANSFER key: as hk_blind_transfer says (XFER-1)
	transferConsult                     // the Trans softkey
	transferBlind                       // the BXfer softkey (XFER-2)
)

func (a *App) openTransfer(mode transferMode) {
	title := map[transferMode]string{transferByKey: "Transfer to", transferConsult: "Transfer to", transferBlind: "Blind transfer to"}[mode]
	a.st.push(&page{kind: pageEntry, title: title, keepOnCall: true,
		soft: []softkey{{"Trans", actOK}, {"Clear", actClear}, {"", actNone}, {"Cancel", actBack}},
		submit: func(a *App, target string) {
			if target == "" {
				return
			}
			a.st.pop()
			v := a.view()
			c, ok := v.call(device.CallConnected, device.CallHeld)
			if !ok {
				a.note("Not available")
				return
			}
			switch mode {
			case transferByKey:
				a.try(a.phone.TransferKey(a.ctx, c.ID, target))
			case transferConsult:
				a.try(a.phone.Transfer(a.ctx, c.ID, target, device.Consultative))
			default:
				a.try(a.phone.Transfer(a.ctx, c.ID, target, device.Blind))
			}
		}})
}

// openConference asks for the third party; calling it holds the current
// call, and Conf then joins the two (CALL-9).
func (a *App) openConference() {
	a.st.push(&page{kind: pageEntry, title: "Conference with", keepOnCall: true,
		soft: []softkey{{"Dial", actOK}, {"Clear", actClear}, {"", actNone}, {"Cancel", actBack}},
		submit: func(a *App, number string) {
			if number == "" {
				return
			}
			a.st.pop()
			_, err := a.phone.Dial(a.ctx, number)
			a.try(err)
		}})
}

func (a *App) openForward(v view) {
	ln, _ := v.line()
	a.st.push(&page{kind: pageEntry, title: "Forward all calls to", input: ln.Forward, cursor: width(ln.Forward),
		soft: []softkey{{"OK", actOK}, {"Clear", actClear}, {"Off", actOff}, {"Cancel", actBack}},
		submit: func(a *App, target string) {
			a.st.pop()
			a.try(a.phone.SetForward(a.ctx, target))
		},
		onSoft: func(a *App, x act) bool {
			if x != actOff {
				return false
			}
			a.st.pop()
			a.try(a.phone.SetForward(a.ctx, ""))
			return true
		}})
}

// openPagingKeys lists the paging keys for the Paging softkey (PAGE-6).
func (a *App) openPagingKeys(v view) {
	var items []item
	for _, n := range a.model.KeyIndices() {
		if v.keyType(n) != keyPaging {
			continue
		}
		n := n
		items = append(items, item{Label: v.keyLabel(n), Value: strconv.Itoa(n + 1), open: func(a *App) {
			a.st.pop()
			a.try(a.phone.Page(a.ctx, n))
		}})
	}
	if len(items) == 1 {
		items[0].open(a)
		return
	}
	if len(items) == 0 {
		a.note("Not available")
		return
	}
	a.st.push(&page{kind: pageList, title: "Paging", items: items, keepOnCall: true})
}
