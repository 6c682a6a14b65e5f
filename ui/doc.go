// Package ui is the phone's screen application: it turns the phone's state
// into screens, softkey labels and LEDs for the model's faceplate, and the
// faceplate's keys into the phone's intents.
//
// # Concepts
//
// An App runs one goroutine (Run) that owns everything the screen shows
// beyond the phone's own state: the open menus, the selected list item, the
// text being typed, the brightness mode, the lock. It reads the board's key
// events and the phone's events, and after each one renders a whole frame.
//
// Rendering is a pure function of a view (the phone's snapshot, the local
// time, the UI state, the model's geometry): render(view) gives the
// hw.TextFrame, softkeys(view) the softkey row, ledStates(view) the LEDs.
// Golden files in testdata hold one screen per model and state.
//
// The screens follow the 400HD: the boot status texts, the idle screen with
// time and date in the configured formats, the line, registration, message
// waiting and paging indications and the programmable keys' labels; the
// dialing, incoming, calling, in-call, held, waiting, transfer, conference
// and paging screens; the notifications of the manual's troubleshooting
// tables; the MENU tree (Status, Administration behind the admin password,
// Settings); the lock screen with its Emergency softkey. Menu changes go to
// the phone as a small configuration file through ApplyConfig, the same path
// a provisioning file takes.
//
// Texts come from message catalogues (English, German, French, Spanish)
// chosen by personal_settings/language.
//
// The package imports device and the hw contracts; it never imports a
// protocol package or a hardware backend. Phone is the part of
// *device.Phone it uses (ForDevice adapts one), and ui/uitest has a
// scriptable fake.
package ui
