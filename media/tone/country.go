package tone

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the meaning of a call-progress tone.
type Kind uint8

// The call-progress tones a phone plays.
const (
	Dial           Kind = iota + 1 // off hook, ready to dial
	StutterDial                    // dial tone announcing waiting messages or forwarding
	Ringback                       // the far end is ringing
	Busy                           // the far end is busy
	Congestion                     // no route or network busy (reorder)
	CallWaiting                    // a second call arrives during a call
	Confirmation                   // a feature code or setting was accepted
	Hold                           // reminder that a call is on hold
	OffHookWarning                 // the handset was left off hook (howler)
	numKinds
)

var kindNames = [numKinds]string{
	Dial: "dial", StutterDial: "stutter dial", Ringback: "ringback", Busy: "busy",
	Congestion: "congestion", CallWaiting: "call waiting", Confirmation: "confirmation",
	Hold: "hold", OffHookWarning: "off-hook warning",
}

func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("tone kind %d", uint8(k))
}

// Kinds returns every kind, in order.
func Kinds() []Kind {
	ks := make([]Kind, 0, numKinds-1)
	for k := Dial; k < numKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// Countries are the values of voip/regional_settings/selected_country, in
// the manual's order.
var Countries = []string{
	"Israel", "China", "France", "Germany", "Netherlands", "UK", "Brazil",
	"Italy", "Argentina", "Portugal", "Russia", "Australia", "USA", "India",
}

// DefaultCountry is used when selected_country is empty.
const DefaultCountry = "USA"

// Plan is the set of call-progress tones a phone plays. Plans are
// immutable values.
type Plan struct {
	country string
	user    bool
	tones   [numKinds]Tone
	extra   map[string]Tone // user-defined tones whose name maps to no kind
}

// Country returns the plan of a country (names compare case-insensitively,
// as the configuration's enum values do).
func Country(name string) (*Plan, error) {
	i := slices.IndexFunc(Countries, func(c string) bool { return strings.EqualFold(c, strings.TrimSpace(name)) })
	if i < 0 {
		return nil, fmt.Errorf("%w: %q (one of %s)", ErrUnknownCountry, name, strings.Join(Countries, ", "))
	}
	c := Countries[i]
	p := &Plan{country: c}
	def := countryTones[c]
	for k := Dial; k < numKinds; k++ {
		t, ok := def[k]
		if !ok {
			t = fallback(k, def)
		}
		if t.Name == "" {
			t.Name = c + " " + k.String()
		}
		p.tones[k] = t
	}
	return p, nil
}

// Country returns the plan's country (the selected country of a
// user-defined plan, whose tones fill the kinds the user left undefined).
func (p *Plan) Country() string { return p.country }

// UserDefined reports whether the plan came from call_progress_tones.
func (p *Plan) UserDefined() bool { return p.user }

// Tone returns the tone for kind.
func (p *Plan) Tone(k Kind) Tone {
	if k > 0 && k < numKinds {
		return p.tones[k]
	}
	return Tone{}
}

// Named returns a user-defined tone whose name maps to no kind.
func (p *Plan) Named(name string) (Tone, bool) {
	t, ok := p.extra[strings.ToLower(name)]
	return t, ok
}

// fallback derives the tones a country's table does not list.
func fallback(k Kind, def map[Kind]Tone) Tone {
	dial := def[Dial]
	f1, f2, lvl := 0.0, 0.0, -13.0
	if len(dial.Steps) > 0 {
		f1, f2, lvl = dial.Steps[0].Freq[0], dial.Steps[0].Freq[1], dial.Steps[0].Level[0]
	}
	switch k {
	case StutterDial:
		t := cadence("", f1, f2, lvl, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100)
		t.Steps = append(t.Steps, on(f1, f2, lvl, 0))
		t.Repeat = false
		return t
	case Confirmation:
		t := cadence("", f1, f2, lvl, 100, 100, 100, 100, 100, 100)
		t.Repeat = false
		return t
	case Hold:
		return cadence("", f1, 0, lvl-3, 200, 9800)
	case OffHookWarning:
		// Receiver-off-hook howler: a loud four-frequency warble, as
		// 1400+2060+2450+2600 Hz in North America; two of them here.
		return cadence("", 1400, 2060, -3, 100, 100)
	}
	return Tone{}
}

// ITU-T E.180 Suppl. 2 national values (the ITU "Various tones used in
// national networks" list, as open-source PBXs tabulate it; Argentina is not
// in that tabulation and its values here are the commonly quoted ones).
// Levels: -13 dBm0 for a single frequency, -16 dBm0 per frequency for pairs.
var countryTones = map[string]map[Kind]Tone{
	"Israel": {
		Dial:        continuous("", 414, 0, -13),
		Ringback:    cadence("", 414, 0, -13, 1000, 3000),
		Busy:        cadence("", 414, 0, -13, 500, 500),
		Congestion:  cadence("", 414, 0, -13, 250, 250),
		CallWaiting: cadence("", 414, 0, -13, 100, 100, 100, 100, 600, 3000),
		StutterDial: append2(cadence("", 414, 0, -13, 160, 160, 160, 160, 160, 160, 160, 160, 160, 160,
			160, 160, 160, 160, 160, 160, 160, 160, 160, 160), on(414, 0, -13, 0)),
	},
	"China": {
		Dial:        continuous("", 450, 0, -13),
		Ringback:    cadence("", 450, 0, -13, 1000, 4000),
		Busy:        cadence("", 450, 0, -13, 350, 350),
		Congestion:  cadence("", 450, 0, -13, 700, 700),
		CallWaiting: cadence("", 450, 0, -13, 400, 4000),
	},
	"France": {
		Dial:        continuous("", 440, 0, -13),
		Ringback:    cadence("", 440, 0, -13, 1500, 3500),
		Busy:        cadence("", 440, 0, -13, 500, 500),
		Congestion:  cadence("", 440, 0, -13, 250, 250),
		CallWaiting: cadence("", 440, 0, -13, 300, 10000),
	},
	"Germany": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 4000),
		Busy:        cadence("", 425, 0, -13, 480, 480),
		Congestion:  cadence("", 425, 0, -13, 240, 240),
		CallWaiting: cadence("", 425, 0, -13, 200, 200, 200, 5000),
	},
	"Netherlands": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 4000),
		Busy:        cadence("", 425, 0, -13, 500, 500),
		Congestion:  cadence("", 425, 0, -13, 250, 250),
		CallWaiting: cadence("", 425, 0, -13, 500, 9500),
	},
	"UK": {
		Dial:        continuous("", 350, 440, -16),
		Ringback:    cadence("", 400, 450, -16, 400, 200, 400, 2000),
		Busy:        cadence("", 400, 0, -13, 375, 375),
		Congestion:  cadence("", 400, 0, -13, 400, 350, 225, 525),
		CallWaiting: cadence("", 400, 0, -13, 100, 4000),
		// Special dial tone (a diversion is active): 350+440 then 440 alone.
		StutterDial: {Repeat: true, Steps: []Step{on(350, 440, -16, 750), on(440, 0, -13, 750)}},
	},
	"Brazil": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 4000),
		Busy:        cadence("", 425, 0, -13, 250, 250),
		Congestion:  cadence("", 425, 0, -13, 250, 250, 750, 250),
		CallWaiting: cadence("", 425, 0, -13, 50, 1000),
	},
	"Italy": {
		Dial:        cadence("", 425, 0, -13, 200, 200, 600, 1000),
		Ringback:    cadence("", 425, 0, -13, 1000, 4000),
		Busy:        cadence("", 425, 0, -13, 500, 500),
		Congestion:  cadence("", 425, 0, -13, 200, 200),
		CallWaiting: cadence("", 425, 0, -13, 400, 100, 250, 100, 150, 14000),
	},
	"Argentina": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 4500),
		Busy:        cadence("", 425, 0, -13, 300, 200),
		Congestion:  cadence("", 425, 0, -13, 200, 300),
		CallWaiting: cadence("", 425, 0, -13, 200, 3000),
	},
	"Portugal": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 5000),
		Busy:        cadence("", 425, 0, -13, 500, 500),
		Congestion:  cadence("", 425, 0, -13, 200, 200),
		CallWaiting: cadence("", 440, 0, -13, 300, 10000),
	},
	"Russia": {
		Dial:        continuous("", 425, 0, -13),
		Ringback:    cadence("", 425, 0, -13, 1000, 4000),
		Busy:        cadence("", 425, 0, -13, 350, 350),
		Congestion:  cadence("", 425, 0, -13, 175, 175),
		CallWaiting: cadence("", 425, 0, -13, 200, 5000),
	},
	"Australia": {
		Dial:     continuous("", 413, 438, -16),
		Ringback: cadence("", 413, 438, -16, 400, 200, 400, 2000),
		Busy:     cadence("", 425, 0, -13, 375, 375),
		// Congestion drops by 10 dB every other cadence.
		Congestion: {Repeat: true, Steps: []Step{
			on(425, 0, -13, 375), off(375), on(425, 0, -23, 375), off(375),
		}},
		CallWaiting: cadence("", 425, 0, -13, 200, 200, 200, 4400),
		StutterDial: cadence("", 413, 438, -16, 100, 40),
	},
	"USA": {
		Dial:         continuous("", 350, 440, -16),
		StutterDial:  append2(cadence("", 350, 440, -16, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100), on(350, 440, -16, 0)),
		Ringback:     cadence("", 440, 480, -16, 2000, 4000),
		Busy:         cadence("", 480, 620, -16, 500, 500),
		Congestion:   cadence("", 480, 620, -16, 250, 250),
		CallWaiting:  cadence("", 440, 0, -13, 300, 9700),
		Confirmation: once(cadence("", 350, 440, -16, 100, 100, 100, 100, 100, 100)),
		OffHookWarning: Tone{Repeat: true, Steps: []Step{
			on(1400, 2060, -3, 100), on(2450, 2600, -3, 100),
		}},
	},
	"India": {
		Dial:        modulated(continuous("", 400, 0, -13), 25),
		Ringback:    modulated(cadence("", 400, 0, -13, 400, 200, 400, 2000), 25),
		Busy:        cadence("", 400, 0, -13, 750, 750),
		Congestion:  cadence("", 400, 0, -13, 250, 250),
		CallWaiting: cadence("", 400, 0, -13, 200, 100, 200, 7500),
	},
}

// once makes a tone play a single time.
func once(t Tone) Tone {
	t.Repeat = false
	return t
}

// append2 appends steps to a tone and makes it play once (the last step
// being endless).
func append2(t Tone, s ...Step) Tone {
	t.Steps = append(t.Steps, s...)
	t.Repeat = false
	return t
}
