package tone_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hdphone/hdphone/media/tone"
)

func settings(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const cpt = "voip/regional_settings/call_progress_tones/"

// With use_config_file_values=1 the administrator's tones replace the
// country's: a cadenced busy tone at 500 Hz −10 dBm and 600 Hz −20 dBm
// (frequency_b_level is the high frequency's level, parameters_notes 17),
// on/off times in 10 ms units.
// behaviour: MEDIA-11
func TestUserDefinedTonesReplaceCountry(t *testing.T) {
	get := settings(map[string]string{
		"voip/regional_settings/selected_country":       "Germany",
		"voip/regional_settings/use_config_file_values": "1",
		cpt + "0/enabled": "1", cpt + "0/name": "Busy Tone", cpt + "0/cadence": "1",
		cpt + "0/frequency_a": "500", cpt + "0/frequency_b": "600",
		cpt + "0/frequency_a_level": "10", cpt + "0/frequency_b_level": "20",
		cpt + "0/tone_on_0": "30", cpt + "0/tone_off_0": "20", cpt + "0/tone_on_1": "10", cpt + "0/tone_off_1": "40",
		cpt + "1/enabled": "1", cpt + "1/name": "Dial Tone", cpt + "1/cadence": "0",
		cpt + "1/frequency_a": "700", cpt + "1/frequency_a_level": "13", cpt + "1/tone_on_0": "300",
		cpt + "2/enabled": "1", cpt + "2/name": "Call Waiting Tone", cpt + "2/cadence": "2",
		cpt + "2/frequency_a": "900", cpt + "2/frequency_a_level": "15", cpt + "2/tone_on_0": "20", cpt + "2/tone_off_0": "30",
		cpt + "3/enabled": "1", cpt + "3/name": "Special Info", cpt + "3/cadence": "0", cpt + "3/frequency_a": "950",
		cpt + "4/enabled": "0", cpt + "4/name": "Ringback Tone", cpt + "4/frequency_a": "1000", // disabled: Germany's stays
	})
	p, errs := tone.Select(get)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if !p.UserDefined() {
		t.Fatal("plan is not user-defined")
	}

	busy, _ := tone.Render(p.Tone(tone.Busy), 8000, time.Second+50*time.Millisecond)
	if l := tone.Level(busy[:2400], 8000, 500); math.Abs(l+10) > 0.3 {
		t.Errorf("busy 500 Hz at %.1f dBm0, want -10", l)
	}
	if l := tone.Level(busy[:2400], 8000, 600); math.Abs(l+20) > 0.3 {
		t.Errorf("busy 600 Hz at %.1f dBm0, want -20", l)
	}
	got := tone.Cadence(busy, 8000, 500, -20)
	want := ms(300, 200, 100, 400)
	for i, w := range want {
		if i >= len(got) || got[i].On != (i%2 == 0) || absDur(got[i].Dur-w) > 15*time.Millisecond {
			t.Fatalf("busy cadence %v, want on/off %v", got, want)
		}
	}

	dial, _ := tone.Render(p.Tone(tone.Dial), 8000, 2*time.Second)
	if s := tone.Cadence(dial, 8000, 700, -20); len(s) != 1 || !s[0].On {
		t.Errorf("continuous dial tone: %v (tone_on_0 is a detection time, not a cadence)", s)
	}

	cw := p.Tone(tone.CallWaiting)
	if cw.Repeat {
		t.Error("burst tone repeats")
	}
	if d := cw.Period(); d != 500*time.Millisecond {
		t.Errorf("burst lasts %v, want 200 ms on + 300 ms off", d)
	}
	if _, ok := p.Named("special info"); !ok {
		t.Error("a tone whose name is no kind is not kept by name")
	}
	rb, _ := tone.Render(p.Tone(tone.Ringback), 8000, 500*time.Millisecond)
	if !tone.Present(rb, 8000, 425, -20) {
		t.Error("ringback is not the selected country's (Germany, 425 Hz) when the user's entry is disabled")
	}
}

// Without use_config_file_values the user table is ignored.
func TestUserTonesIgnoredWhenDisabled(t *testing.T) {
	p, errs := tone.Select(settings(map[string]string{
		"voip/regional_settings/selected_country": "France",
		cpt + "0/enabled":                         "1", cpt + "0/name": "Dial Tone", cpt + "0/frequency_a": "700",
	}))
	if len(errs) != 0 || p.UserDefined() || p.Country() != "France" {
		t.Fatalf("plan %v user=%v errs %v", p.Country(), p.UserDefined(), errs)
	}
	dial, _ := tone.Render(p.Tone(tone.Dial), 8000, 300*time.Millisecond)
	if !tone.Present(dial, 8000, 440, -20) {
		t.Error("France's dial tone is not 440 Hz")
	}
}

// Bad entries are reported with their index and left out; good ones stay;
// an unknown country falls back to USA with an error.
func TestUserToneValidation(t *testing.T) {
	base := map[string]string{
		"voip/regional_settings/selected_country":       "Narnia",
		"voip/regional_settings/use_config_file_values": "1",
	}
	add := func(n string, kv ...string) {
		base[cpt+n+"/enabled"] = "1"
		for i := 0; i < len(kv); i += 2 {
			base[cpt+n+"/"+kv[i]] = kv[i+1]
		}
	}
	add("0", "name", "Dial Tone", "frequency_a", "2500")                           // a above 1980
	add("1", "name", "Busy Tone", "frequency_a", "400", "frequency_a_level", "64") // level above 63
	add("2", "name", "Ringback Tone", "frequency_a", "400", "cadence", "3")        // no such cadence
	add("3", "name", "Hold Tone", "frequency_a", "400", "cadence", "1")            // cadence without on time
	add("4", "name", "Confirmation Tone", "frequency_a", "abc")                    // not a number
	add("5", "name", "Congestion Tone")                                            // no frequency
	add("6", "name", "Call Waiting Tone", "frequency_b", "3000", "cadence", "2", "tone_on_0", "10")
	p, errs := tone.Select(settings(base))
	if len(errs) != 7 {
		t.Fatalf("%d errors, want 7 (country + 6 tones): %v", len(errs), errs)
	}
	if !errors.Is(errs[0], tone.ErrUnknownCountry) {
		t.Errorf("first error %v", errs[0])
	}
	for _, e := range errs[1:] {
		if !errors.Is(e, tone.ErrBadTone) {
			t.Errorf("error %v is not ErrBadTone", e)
		}
	}
	if p.Country() != "USA" {
		t.Errorf("fallback country %q", p.Country())
	}
	cw, _ := tone.Render(p.Tone(tone.CallWaiting), 8000, 50*time.Millisecond)
	if !tone.Present(cw, 8000, 3000, -40) {
		t.Error("the valid entry (3000 Hz call waiting) was lost")
	}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]tone.Kind{
		"Dial Tone": tone.Dial, "dial_tone": tone.Dial, "RINGBACK": tone.Ringback, "Ring Back Tone": tone.Ringback,
		"Reorder Tone": tone.Congestion, "Fast-Busy": tone.Congestion, "Call Waiting Tone": tone.CallWaiting,
		"Stutter Dial Tone": tone.StutterDial, "Confirmation": tone.Confirmation, "Howler": tone.OffHookWarning,
	} {
		if k, ok := tone.KindOf(name); !ok || k != want {
			t.Errorf("KindOf(%q) = %v, %v; want %v", name, k, ok, want)
		}
	}
	if _, ok := tone.KindOf("Special Information"); ok {
		t.Error("unknown name mapped to a kind")
	}
}

func FuzzSelect(f *testing.F) {
	f.Add("USA", "1", "Dial Tone", "1", "440", "0", "10", "20", "30")
	f.Add("", "1", "", "9", "-1", "99999", "abc", "", "")
	f.Fuzz(func(t *testing.T, country, use, name, cad, fa, fb, la, on0, off0 string) {
		get := settings(map[string]string{
			"voip/regional_settings/selected_country":       country,
			"voip/regional_settings/use_config_file_values": use,
			cpt + "0/enabled": "1", cpt + "0/name": name, cpt + "0/cadence": cad,
			cpt + "0/frequency_a": fa, cpt + "0/frequency_b": fb, cpt + "0/frequency_a_level": la,
			cpt + "0/tone_on_0": on0, cpt + "0/tone_off_0": off0,
		})
		p, _ := tone.Select(get)
		if p == nil {
			t.Fatal("no plan")
		}
		// Whatever was configured, every kind must be playable.
		for _, k := range tone.Kinds() {
			g, err := tone.NewGenerator(p.Tone(k), 8000)
			if err != nil {
				t.Fatal(err)
			}
			g.ReadPCM(make([]int16, 160))
		}
	})
}
