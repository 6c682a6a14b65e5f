// Package term is a terminal faceplate: an hw.Board drawn with tcell. It
// shows the phone's screen, the softkeys under it, the programmable keys
// beside it and the sidecar or expansion-module keys to its right, each with
// its LED, the hard keys, the message LED and the hook, and it takes the
// keyboard and the mouse as the phone's keys.
//
// # Keys
//
//	0-9 * #            dial pad
//	arrows, Enter      navigation, OK
//	Esc, Backspace     BACK
//	F1-F4              softkeys
//	F5-F12             programmable keys 1-8 (the keys beside the screen)
//	m                  MENU
//	h t c r            HOLD, TRANSFER, CONFERENCE, REDIAL
//	u s e              MUTE, SPEAKER, HEADSET
//	v d                VOICEMAIL, CONTACTS (directory)
//	+ -                volume
//	space              lift or replace the handset
//	Alt+key            a long press of that key
//	?                  this help
//	Ctrl-C, Ctrl-Q     quit
//
// A terminal reports a key, not its release: a key from the keyboard is a
// press and an immediate release (Alt makes it a long press). The mouse
// presses and releases the drawn keys for real, and a key held down past the
// long-press threshold long-presses; a click on the handset lifts or
// replaces it.
//
// A terminal too small for the faceplate shows what size it needs instead
// (the sidecar is left out first); a larger one centres it. The board passes
// the hw/hwtest conformance suite on tcell's simulation screen.
//
// Only cmd uses this package; it imports hw and tcell, nothing else of the
// project.
package term
