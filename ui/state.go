package ui

import (
	"strings"
	"time"
)

// act is what a softkey does. Softkeys are values (a label and an act) so
// that the softkey row is part of the pure render.
type act uint8

const (
	actNone act = iota
	// idle
	actMenu
	actRedial
	actForward
	actDND
	actUnlock
	actEmergency
	// dialing and calls
	actDial
	actClearDigit
	actCancel
	actAnswer
	actReject
	actEnd
	actHold
	actResume
	actTrans
	actBXfer
	actConf
	actSwap
	actPaging
	actMore
	actAcceptPage
	actRejectPage
	actEndPage
	// pages
	actSelect
	actBack
	actOK
	actClear
	actYes
	actNo
	actEdit
	actSave
	actApply
	actOff
)

// softkey is one label of the softkey row.
type softkey struct {
	Label string // English; translated when drawn
	Act   act
}

// pageKind is the shape of a page the user opened on top of the phone's
// own screens.
type pageKind uint8

const (
	pageList    pageKind = iota + 1 // a menu or list: items, a selection
	pageEntry                       // a text being typed
	pageConfirm                     // a question: Yes / No
	pageInfo                        // lines of information
)

// item is a line of a list page.
type item struct {
	Label string // translated when drawn
	Value string // shown as is, on the right
	Mark  bool   // the current choice of a settings list
	open  func(a *App)
}

// page is a screen the user opened (a menu, a list, an entry, a question).
// Its fields are what render reads; the funcs are what its keys do.
type page struct {
	kind  pageKind
	title string
	items []item
	sel   int
	lines []string // info lines, or the question

	input  string
	cursor int
	secret bool
	// alpha entries type letters by multi-tap after '#' switches mode.
	alpha, abc bool
	lastKey    byte
	lastTap    time.Time
	hint       string

	soft []softkey // nil: the kind's default softkeys

	submit func(a *App, text string) // entry OK / Save
	yes    func(a *App)              // confirm Yes / Apply
	onSoft func(a *App, x act) bool  // extra softkeys; true when handled
	// keepOnCall keeps the page open when a call comes in (pages tied to
	// the call, such as the transfer target).
	keepOnCall bool
	// kind-specific state
	fields map[string]string // pending values of an editor page
}

// defaultSoftkeys are the softkeys of a page kind.
func (p *page) softkeys() []softkey {
	if p.soft != nil {
		return p.soft
	}
	switch p.kind {
	case pageList:
		return []softkey{{"Select", actSelect}, {"", actNone}, {"", actNone}, {"Back", actBack}}
	case pageEntry:
		return []softkey{{"OK", actOK}, {"Clear", actClear}, {"", actNone}, {"Cancel", actBack}}
	case pageConfirm:
		return []softkey{{"Yes", actYes}, {"", actNone}, {"", actNone}, {"No", actNo}}
	}
	return []softkey{{"", actNone}, {"", actNone}, {"", actNone}, {"Back", actBack}}
}

// Contact is an entry of the phone's directory.
type Contact struct {
	Name, Number string
}

// uiState is what the App keeps beyond the phone's state. Only the Run
// goroutine touches it.
type uiState struct {
	pages []*page
	// note is a short message on the info line until noteUntil.
	note      string
	noteUntil time.Time
	// lastActive is the last key press or incoming call (brightness).
	lastActive time.Time
	saver      bool // the C450HD clock screen saver is up
	locked     bool
	pin        string // the unlock PIN, set when the phone is first locked
	softPage   int    // which softkey page "More" shows
	// missedSeen is the newest missed call the user has seen; unseen counts
	// the newer ones.
	missedSeen uint64
	unseen     int
	contacts   []Contact
	emergency  []string
}

func (u *uiState) top() *page {
	if len(u.pages) == 0 {
		return nil
	}
	return u.pages[len(u.pages)-1]
}

func (u *uiState) push(p *page) { u.pages = append(u.pages, p) }

func (u *uiState) pop() {
	if len(u.pages) > 0 {
		u.pages = u.pages[:len(u.pages)-1]
	}
}

// lookup finds number in the directory (CONTACT_SEARCH).
func (u *uiState) lookup(number string) (string, bool) {
	if number == "" {
		return "", false
	}
	for _, c := range u.contacts {
		if c.Number == number || strings.TrimPrefix(c.Number, "+") == strings.TrimPrefix(number, "+") {
			return c.Name, true
		}
	}
	return "", false
}

// noteActive reports whether the short note is still shown at now.
func (u *uiState) noteActive(now time.Time) bool { return u.note != "" && now.Before(u.noteUntil) }
