package tone

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Configuration keys (manual §3.3.5.1).
const (
	keyCountry   = "voip/regional_settings/selected_country"
	keyUseConfig = "voip/regional_settings/use_config_file_values"
	keyCPT       = "voip/regional_settings/call_progress_tones/%d/"
	userTones    = 10
)

// CadenceType is a user-defined tone's cadence parameter.
type CadenceType int

// The three cadence types of call_progress_tones/{n}/cadence.
const (
	ContinuousSignal CadenceType = 0 // steady; tone_on_0 is only a detection time
	CadenceSignal    CadenceType = 1 // on/off pairs 0-3, repeated
	BurstSignal      CadenceType = 2 // tone_on_0, then tone_off_0 of silence, once
)

// UserTone is one entry of voip/regional_settings/call_progress_tones/{n},
// with times in the manual's 10 ms units and levels in -dBm (63 = mute).
type UserTone struct {
	Index   int
	Enabled bool
	Name    string
	Cadence CadenceType
	FreqA   int // low frequency, Hz, 300-1980 or 0
	FreqB   int // high frequency, Hz, 300-3000 or 0
	LevelA  int // 0-63
	LevelB  int // 0-63 (the manual's text calls it "low" by mistake)
	On      [4]int
	Off     [4]int
}

// Validate checks the manual's ranges.
func (u UserTone) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %d (%q): %s", ErrBadTone, u.Index, u.Name, fmt.Sprintf(format, args...))
	}
	if u.Cadence < ContinuousSignal || u.Cadence > BurstSignal {
		return bad("cadence %d is not 0, 1 or 2", u.Cadence)
	}
	if u.FreqA != 0 && (u.FreqA < 300 || u.FreqA > 1980) {
		return bad("frequency_a %d Hz is outside 300-1980 (0 = unused)", u.FreqA)
	}
	if u.FreqB != 0 && (u.FreqB < 300 || u.FreqB > 3000) {
		return bad("frequency_b %d Hz is outside 300-3000 (0 = unused)", u.FreqB)
	}
	if u.FreqA == 0 && u.FreqB == 0 {
		return bad("no frequency")
	}
	if u.LevelA < 0 || u.LevelA > 63 || u.LevelB < 0 || u.LevelB > 63 {
		return bad("levels %d/%d are outside 0-63", u.LevelA, u.LevelB)
	}
	for i := range 4 {
		if u.On[i] < 0 || u.On[i] > 10000 || u.Off[i] < 0 || u.Off[i] > 10000 {
			return bad("tone_on_%d/tone_off_%d %d/%d are outside 0-10000", i, i, u.On[i], u.Off[i])
		}
	}
	if u.Cadence != ContinuousSignal && u.On[0] == 0 {
		return bad("cadence %d needs tone_on_0", u.Cadence)
	}
	return nil
}

// Tone turns the entry into a playable tone.
func (u UserTone) Tone() Tone {
	lvl := func(n int) float64 {
		if n >= 63 {
			return Mute
		}
		return -float64(n)
	}
	sound := func(d time.Duration) Step {
		return Step{
			Freq:  [2]float64{float64(u.FreqA), float64(u.FreqB)},
			Level: [2]float64{lvl(u.LevelA), lvl(u.LevelB)},
			Dur:   d,
		}
	}
	unit := 10 * time.Millisecond
	t := Tone{Name: u.Name}
	switch u.Cadence {
	case ContinuousSignal:
		t.Steps = []Step{sound(0)}
	case BurstSignal:
		t.Steps = []Step{sound(time.Duration(u.On[0]) * unit)}
		if u.Off[0] > 0 {
			t.Steps = append(t.Steps, off(u.Off[0]*10))
		}
	default:
		t.Repeat = true
		for i := range 4 {
			if u.On[i] == 0 {
				continue
			}
			t.Steps = append(t.Steps, sound(time.Duration(u.On[i])*unit))
			if u.Off[i] > 0 {
				t.Steps = append(t.Steps, off(u.Off[i]*10))
			}
		}
	}
	return t
}

// KindOf maps a user tone's name to the call-progress tone it stands for,
// by the words gateways' CPT tables use ("Dial Tone", "Ringback Tone",
// "Busy Tone", "Reorder Tone", "Call Waiting Tone", …). The manual does not
// say how names are matched; case, spaces, dashes, underscores and a "tone"
// suffix are ignored.
func KindOf(name string) (Kind, bool) {
	n := strings.ToLower(name)
	n = strings.NewReplacer(" ", "", "-", "", "_", "").Replace(n)
	n = strings.TrimSuffix(n, "tone")
	switch n {
	case "dial", "internaldial", "continuousdial":
		return Dial, true
	case "stutterdial", "stutter", "messagewaitingdial", "specialdial":
		return StutterDial, true
	case "ringback", "ringing", "alerting", "audibleringing":
		return Ringback, true
	case "busy":
		return Busy, true
	case "congestion", "reorder", "fastbusy", "networkbusy":
		return Congestion, true
	case "callwaiting", "waiting", "callwaitingringback":
		return CallWaiting, true
	case "confirmation", "confirm", "acknowledgement", "positiveconfirmation":
		return Confirmation, true
	case "hold", "callhold", "onhold":
		return Hold, true
	case "howler", "offhookwarning", "receiveroffhook", "warning":
		return OffHookWarning, true
	}
	return 0, false
}

// ReadUserTones reads call_progress_tones/0..9 through get (which returns
// a key's value, "" when unset). Disabled entries and entries with no
// frequency and no name are skipped; invalid enabled entries are reported
// and skipped.
func ReadUserTones(get func(key string) string) ([]UserTone, []error) {
	var out []UserTone
	var errs []error
	for n := range userTones {
		k := func(field string) string { return fmt.Sprintf(keyCPT, n) + field }
		num := func(field string) (int, error) {
			v := strings.TrimSpace(get(k(field)))
			if v == "" {
				return 0, nil
			}
			i, err := strconv.Atoi(v)
			if err != nil {
				return 0, fmt.Errorf("%w %d: %s=%q is not a number", ErrBadTone, n, field, v)
			}
			return i, nil
		}
		if strings.TrimSpace(get(k("enabled"))) != "1" {
			continue
		}
		u := UserTone{Index: n, Enabled: true, Name: strings.TrimSpace(get(k("name")))}
		var err error
		var cad int
		fields := []struct {
			name string
			dst  *int
		}{
			{"cadence", &cad}, {"frequency_a", &u.FreqA}, {"frequency_b", &u.FreqB},
			{"frequency_a_level", &u.LevelA}, {"frequency_b_level", &u.LevelB},
			{"tone_on_0", &u.On[0]}, {"tone_on_1", &u.On[1]}, {"tone_on_2", &u.On[2]}, {"tone_on_3", &u.On[3]},
			{"tone_off_0", &u.Off[0]}, {"tone_off_1", &u.Off[1]}, {"tone_off_2", &u.Off[2]}, {"tone_off_3", &u.Off[3]},
		}
		for _, f := range fields {
			if *f.dst, err = num(f.name); err != nil {
				break
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		u.Cadence = CadenceType(cad)
		if err := u.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, u)
	}
	return out, errs
}

// Select builds the plan the configuration asks for: the selected
// country's tones, or with use_config_file_values=1 the enabled
// user-defined tones, mapped to kinds by name (KindOf), with the selected
// country (USA when unset) supplying any kind the user did not define.
// Problems are returned beside a usable plan: an unknown country falls back
// to USA, invalid user tones are left out.
func Select(get func(key string) string) (*Plan, []error) {
	var errs []error
	country := strings.TrimSpace(get(keyCountry))
	if country == "" {
		country = DefaultCountry
	}
	p, err := Country(country)
	if err != nil {
		errs = append(errs, err)
		p, _ = Country(DefaultCountry)
	}
	if strings.TrimSpace(get(keyUseConfig)) != "1" {
		return p, errs
	}
	users, uerrs := ReadUserTones(get)
	errs = append(errs, uerrs...)
	up := *p
	up.user = true
	up.extra = map[string]Tone{}
	for _, u := range users {
		t := u.Tone()
		if k, ok := KindOf(u.Name); ok {
			up.tones[k] = t
			continue
		}
		up.extra[strings.ToLower(u.Name)] = t
	}
	return &up, errs
}
