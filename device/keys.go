package device

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/sip"
)

// Programmable and function keys: what each is configured to do
// (personal_settings/functional_key/{n}/*), the busy-lamp field of speed-dial
// keys (RFC 4235 dialog subscriptions when
// voip/services/busy_lamp_field/enabled=1), and PressKey, which does what the
// key's type says.

// BLF lamp states of a watched extension.
const (
	BLFUnknown = ""
	BLFIdle    = "idle"
	BLFRinging = "ringing"
	BLFBusy    = "busy"
)

// KeyState is one configured programmable or function key.
type KeyState struct {
	Index  int
	Type   string // SPEED_DIAL, PAGING, KEY_EVENT, VOCANOM, DISCREET_CALL (canonical, upper case)
	Label  string
	Number string // speed_dial_number
	Event  string // key_event for KEY_EVENT keys
	// BLF is the watched extension's state (speed-dial keys with BLF on).
	BLF string
}

// syncKeys rebuilds the published keys from the configuration, keeping the
// lamps already known.
func (p *Phone) syncKeys(s *state) {
	var old map[int]string // the lamps known, by key (none at power-on)
	if len(s.Keys) > 0 {
		old = make(map[int]string, len(s.Keys))
		for _, k := range s.Keys {
			old[k.Index] = k.BLF
		}
	}
	var keys []KeyState
	types := p.keyTypes()
	for i, n := range p.cfg.Model.KeyIndices() {
		t, set := s.Config.ExplicitValue(types.keys[i])
		if set {
			t = strings.ToUpper(t)
		} else {
			t = types.defaults[i]
		}
		if t == "" || t == "EMPTY" {
			continue
		}
		k := KeyState{Index: n, Type: t, Label: s.Config.Get(config.IndexedKey(keyFKLabel, n)),
			Number: s.Config.Get(config.IndexedKey(keyFKNumber, n)), BLF: old[n]}
		if t == "KEY_EVENT" || t == "EVENT" {
			k.Type = "KEY_EVENT"
			k.Event = strings.ToUpper(s.Config.Get(config.IndexedKey(keyFKEvent, n)))
		}
		if k.Label == "" {
			k.Label = k.Number
		}
		keys = append(keys, k)
	}
	s.Keys = keys
}

// keyTypeTable is, for a catalogue and a model, the type parameter of each
// of the model's keys (in Model.KeyIndices order, canonical spelling) and
// the type it has when the configuration leaves it unset. syncKeys reads
// each key's type with one lookup instead of resolving the key's name
// (a 450HD has 48 keys, nearly all of them unset, at every power-on).
type keyTypeTable struct {
	keys, defaults []string
}

type keyTypeTableID struct {
	cat   *config.Catalogue
	model string
}

var keyTypeTables sync.Map // keyTypeTableID -> *keyTypeTable

func (p *Phone) keyTypes() *keyTypeTable {
	id := keyTypeTableID{p.cfg.Catalogue, string(p.cfg.Model.Name)}
	if t, ok := keyTypeTables.Load(id); ok {
		return t.(*keyTypeTable)
	}
	base := p.cfg.Catalogue.New(id.model)
	t := &keyTypeTable{}
	for _, n := range p.cfg.Model.KeyIndices() {
		k := config.IndexedKey(keyFKType, n)
		if _, canon, _, err := p.cfg.Catalogue.Resolve(k); err == nil {
			k = canon
		}
		t.keys = append(t.keys, k)
		t.defaults = append(t.defaults, strings.ToUpper(base.Get(k)))
	}
	v, _ := keyTypeTables.LoadOrStore(id, t)
	return v.(*keyTypeTable)
}

// subscribeBLF watches the speed-dial keys' extensions once line 0 is
// registered.
func (p *Phone) subscribeBLF(s *state, l *sipLine) {
	if l.blfStarted || !s.Config.Bool("voip/services/busy_lamp_field/enabled") {
		return
	}
	l.blfStarted = true
	for _, k := range s.Keys {
		if k.Type != "SPEED_DIAL" || k.Number == "" {
			continue
		}
		n, number := k.Index, k.Number
		p.async(s, func(ctx context.Context) {
			p.subscribeKnown(ctx, l, sip.SubscribeOptions{Event: "dialog", Target: number},
				func(sub *sip.Subscription) {
					if l.blf == nil {
						l.blf = map[*sip.Subscription]int{}
					}
					l.blf[sub] = n
				},
				func(sub *sip.Subscription, err error) {
					p.log.Info("BLF subscription refused", "key", n, "number", number, "err", err)
					delete(l.blf, sub)
				})
		})
	}
}

// onBLF updates a key's lamp from a dialog NOTIFY.
func (p *Phone) onBLF(s *state, l *sipLine, e sip.NotifyEvent) bool {
	n, ok := l.blf[e.Sub]
	if !ok || e.DialogInfo == nil {
		return ok
	}
	status := e.DialogInfo.Status()
	for i := range s.Keys {
		if s.Keys[i].Index == n && s.Keys[i].BLF != status {
			s.Keys[i].BLF = status
			p.emit(Event{Kind: EventKey, Stage: s.Stage, Text: fmt.Sprintf("key %d BLF %s", n, status)})
		}
	}
	return true
}

// PressKey does what programmable or function key n is configured for:
// a speed dial (or, with a call-pickup code, picking up the call ringing at a
// BLF-watched extension), a page, the discreet call, DnD All. Key events that
// open a screen (call lists, directory) are the screen application's.
func (p *Phone) PressKey(ctx context.Context, n int) error {
	var action func() error
	err := p.intent(ctx, func(s *state) error {
		var k *KeyState
		for i := range s.Keys {
			if s.Keys[i].Index == n {
				k = &s.Keys[i]
			}
		}
		if k == nil {
			return fmt.Errorf("%w: key %d is not configured", ErrBadIntent, n)
		}
		switch k.Type {
		case "SPEED_DIAL", "VOCANOM":
			number := k.Number
			if code := s.Config.Get("voip/services/call_pickup/access_code"); k.BLF == BLFRinging && code != "" {
				number = code + k.Number // directed pickup of the ringing call
			}
			if number == "" {
				return fmt.Errorf("%w: key %d has no number", ErrBadIntent, n)
			}
			action = func() error { _, err := p.Dial(ctx, number); return err }
		case "PAGING":
			action = func() error { return p.Page(ctx, n) }
		case "DISCREET_CALL":
			action = func() error { return p.DiscreetCall(ctx, n) }
		case "KEY_EVENT":
			switch k.Event {
			case "DND_ALL":
				on := !s.Config.Bool("voip/line/0/do_not_disturb/activated")
				action = func() error { return p.SetDND(ctx, on) }
			default:
				return fmt.Errorf("%w: key event %s opens a screen", ErrBadIntent, k.Event)
			}
		default:
			return fmt.Errorf("%w: key %d is %s", ErrBadIntent, n, k.Type)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return action()
}
