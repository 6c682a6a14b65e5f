package term

import (
	"github.com/gdamore/tcell/v2"

	"github.com/hdphone/hdphone/hw"
)

// helpKey is the drawn help button; it is no key of the phone.
const helpKey = hw.Key(0xfffe)

// HelpLines is the keyboard map the help overlay shows.
var HelpLines = []string{
	"0-9 * #          dial pad",
	"arrows, Enter    navigation, OK",
	"Esc, Backspace   BACK",
	"F1-F4            softkeys",
	"F5-F12           keys beside the screen",
	"m                MENU",
	"h t c r          HOLD TRANSFER CONF REDIAL",
	"u s e            MUTE SPEAKER HEADSET",
	"v d              VOICEMAIL CONTACTS",
	"+ -              volume",
	"space            lift/replace the handset",
	"Alt+key          long press",
	"mouse            press the drawn keys",
	"?                this help",
	"Ctrl-C, Ctrl-Q   quit",
}

var runeKeys = map[rune]hw.Key{
	'0': hw.Key0, '1': hw.Key1, '2': hw.Key2, '3': hw.Key3, '4': hw.Key4, '5': hw.Key5,
	'6': hw.Key6, '7': hw.Key7, '8': hw.Key8, '9': hw.Key9, '*': hw.KeyStar, '#': hw.KeyPound,
	'm': hw.KeyMenu, 'h': hw.KeyHold, 't': hw.KeyTransfer, 'c': hw.KeyConference, 'r': hw.KeyRedial,
	'u': hw.KeyMute, 's': hw.KeySpeaker, 'e': hw.KeyHeadset, 'v': hw.KeyVoicemail, 'd': hw.KeyContacts,
	'+': hw.KeyVolumeUp, '=': hw.KeyVolumeUp, '-': hw.KeyVolumeDown,
}

var specialKeys = map[tcell.Key]hw.Key{
	tcell.KeyUp: hw.KeyUp, tcell.KeyDown: hw.KeyDown, tcell.KeyLeft: hw.KeyLeft, tcell.KeyRight: hw.KeyRight,
	tcell.KeyEnter: hw.KeyOK, tcell.KeyEscape: hw.KeyBack, tcell.KeyBackspace: hw.KeyBack,
	tcell.KeyBackspace2: hw.KeyBack, tcell.KeyF1: hw.KeySoft1, tcell.KeyF2: hw.KeySoft2,
	tcell.KeyF3: hw.KeySoft3, tcell.KeyF4: hw.KeySoft4,
}

// keyFor maps a terminal key to a key of the faceplate.
func (b *Board) keyFor(ev *tcell.EventKey) (button, bool) {
	if ev.Key() == tcell.KeyRune {
		r := ev.Rune()
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		k, ok := runeKeys[r]
		return button{key: k}, ok && b.hasKey(k)
	}
	if k, ok := specialKeys[ev.Key()]; ok {
		return button{key: k}, b.hasKey(k)
	}
	if ev.Key() >= tcell.KeyF5 && ev.Key() <= tcell.KeyF12 {
		keys := append(append([]Slot{}, b.layout.Left...), b.layout.Right...)
		if i := int(ev.Key() - tcell.KeyF5); i < len(keys) {
			return button{key: hw.KeyProgrammable, index: keys[i].Index}, true
		}
	}
	return button{}, false
}

func (b *Board) hasKey(k hw.Key) bool {
	for _, h := range b.layout.HardKeys {
		if h == k {
			return true
		}
	}
	return false
}

// keyLocked handles a key from the keyboard.
func (b *Board) keyLocked(ev *tcell.EventKey) {
	switch {
	case ev.Key() == tcell.KeyCtrlC || ev.Key() == tcell.KeyCtrlQ:
		b.quitOnce.Do(func() { close(b.quit) })
		return
	case b.help && (ev.Key() == tcell.KeyEscape || ev.Key() == tcell.KeyEnter || ev.Rune() == '?'):
		b.help = false
		b.drawLocked()
		return
	case ev.Key() == tcell.KeyRune && ev.Rune() == '?':
		b.help = true
		b.drawLocked()
		return
	case ev.Key() == tcell.KeyRune && ev.Rune() == ' ':
		if b.hasKey(hw.KeyHook) {
			b.toggleHookLocked()
		}
		return
	}
	if b.help {
		b.help = false
		b.drawLocked()
	}
	if k, ok := b.keyFor(ev); ok {
		b.tapLocked(k, ev.Modifiers()&tcell.ModAlt != 0)
	}
}
