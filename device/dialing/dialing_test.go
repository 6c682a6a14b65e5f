package dialing

import (
	"errors"
	"testing"
	"time"
)

func TestDigitMap(t *testing.T) {
	m, err := Parse("[2-9]xxx|9xx.T|0|*xx|#1.T")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want Result
		why  string
	}{
		{"", Partial, "nothing typed yet"},
		{"2", Partial, "needs three more"},
		{"2345", Complete, "four-digit extension"},
		{"23456", NoMatch, "too long for every alternative"},
		{"9", Partial, "[2-9] and 9xx. both still possible"},
		{"91", CompleteAfterTimer, "x. matches zero or more keys"},
		{"912", CompleteAfterTimer, "9xx. then T"},
		{"9123456", CompleteAfterTimer, "the repeat keeps going"},
		{"0", Complete, "single key"},
		{"*12", Complete, "star code"},
		{"*1", Partial, ""},
		{"#", CompleteAfterTimer, "#1. matches zero ones before T"},
		{"1", NoMatch, "no alternative starts with 1"},
		{"a", NoMatch, "not a key"},
	}
	for _, tt := range tests {
		if got := m.Match(tt.in); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s (%s)", tt.in, got, tt.want, tt.why)
		}
	}
}

func TestRepeatWithoutTimerStaysOpen(t *testing.T) {
	m, _ := Parse("1x.")
	if got := m.Match("123"); got != Partial {
		t.Fatalf("1x. after 123 = %s: a pending repeat can still take keys", got)
	}
}

func TestEmptyMapMatchesNothing(t *testing.T) {
	m, err := Parse("")
	if err != nil || m.Match("123") != NoMatch || m.Match("") != NoMatch {
		t.Fatalf("empty map: %v %s", err, m.Match("123"))
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"|", "[2-", "x.T1", "..", "[]", "[9-2]", "ab", "1|"} {
		if _, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", s, err)
		}
	}
}

func TestSplitPauses(t *testing.T) {
	number, steps := SplitPauses("4418,,123p#", DefaultTiming)
	if number != "4418" {
		t.Fatalf("number %q", number)
	}
	want := []Step{{Pause: 4 * time.Second}, {Keys: "123"}, {Pause: 2 * time.Second}, {Keys: "#"}}
	if len(steps) != len(want) {
		t.Fatalf("steps %+v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Fatalf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
	// 4 s + 3 digits (3×100 ms + 2×300 ms) + 2 s + 1 digit (100 ms)
	if got, wantD := Duration(steps, DefaultTiming), 7*time.Second; got != wantD {
		t.Fatalf("duration %s, want %s", got, wantD)
	}
	if n, s := SplitPauses("1234", DefaultTiming); n != "1234" || s != nil {
		t.Fatalf("no pauses: %q %v", n, s)
	}
}

func FuzzDigitMap(f *testing.F) {
	for _, s := range []string{"[2-9]xxx|9xx.T", "x.T", "*xx|#", "[13-5x]x.", "(0|00)"} {
		f.Add(s, "9123")
	}
	f.Fuzz(func(t *testing.T, pattern, dialled string) {
		m, err := Parse(pattern)
		if err != nil {
			return
		}
		// Typing more keys never revives a number no alternative can match.
		if m.Match(dialled) == NoMatch {
			for _, k := range "0123456789*#" {
				if r := m.Match(dialled + string(k)); r != NoMatch {
					t.Fatalf("%q: %q is dead but %q gives %s", pattern, dialled, dialled+string(k), r)
				}
			}
		}
	})
}
