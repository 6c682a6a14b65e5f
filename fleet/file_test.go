package fleet_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/fleet"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Every bad file is refused with every problem, each with its line, column
// and field; the messages are golden.
func TestBadFilesAreRefusedWithLineAndField(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.yaml")
	if len(files) < 8 {
		t.Fatalf("only %d bad files", len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			f, err := fleet.Load(path)
			if err == nil {
				t.Fatalf("accepted: %d phones", len(f.Phones))
			}
			if !errors.Is(err, fleet.ErrFile) {
				t.Errorf("error does not match ErrFile: %v", err)
			}
			var fe fleet.FileErrors
			if !errors.As(err, &fe) || len(fe) == 0 {
				t.Fatalf("not FileErrors: %T %v", err, err)
			}
			for _, e := range fe {
				if e.Line == 0 && name != "syntax" {
					t.Errorf("no line: %v", e)
				}
			}
			golden(t, "errors/"+name+".golden", err.Error()+"\n")
		})
	}
}

// A good file parses into the phones and steps it describes (golden).
func TestGoodFilesParse(t *testing.T) {
	for _, name := range []string{"pairs", "features"} {
		t.Run(name, func(t *testing.T) {
			f, err := fleet.Load("testdata/" + name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".golden", describeFile(f))
		})
	}
}

func describeFile(f *fleet.File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fleet %s: %d phones; network %s lab=%v registrar=%q; boot %s spread %s timeout %s\n",
		f.Name, len(f.Phones), f.Network.Mode, f.Network.Lab, f.Network.Registrar, f.Boot.Storm, f.Boot.Spread, f.Boot.Timeout)
	show := func(p fleet.PhoneSpec) {
		fmt.Fprintf(&b, "  %s %s %s user=%s password=%s tone=%g config=%v\n", p.ID, p.Model, p.MAC, p.User, p.Password, p.Tone, p.Config)
	}
	for i, p := range f.Phones {
		if i < 3 || i >= len(f.Phones)-2 {
			show(p)
		} else if i == 3 {
			b.WriteString("  …\n")
		}
	}
	for _, s := range f.Scenario {
		fmt.Fprintf(&b, "  step %q line %d: %s", s.Name, s.Line, s.Action)
		if s.Pairs {
			fmt.Fprintf(&b, " pairs by %s", s.By)
		}
		fmt.Fprintf(&b, " on %d phones, timeout %s", len(s.Phones), s.Timeout)
		if !s.Target.None() {
			fmt.Fprintf(&b, ", target %s", s.Target)
		}
		if s.Wait != "" {
			fmt.Fprintf(&b, ", until %s", s.Wait)
		}
		if s.Text != "" {
			fmt.Fprintf(&b, ", %q", s.Text)
		}
		if len(s.Values) > 0 {
			fmt.Fprintf(&b, ", %v", s.Values)
		}
		if len(s.Keys) > 0 {
			fmt.Fprintf(&b, ", keys %v", s.Keys)
		}
		if s.Always {
			b.WriteString(", always")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		user, password string
		want           []string // user, password of phones 1 and 3
		err            string
	}{
		{"{{1000+i}}", "pass{{user}}", []string{"1001", "pass1001", "1003", "pass1003"}, ""},
		{"{{2000 + (i-1)*2}}", "{{mac}}", []string{"2000", "00908fa00001", "2004", "00908fa00003"}, ""},
		{"ext{{n*10}}", "{{user}}-{{id}}", []string{"ext10", "ext10-desk-1", "ext30", "ext30-desk-3"}, ""},
		{"{{user}}", "x", nil, "cannot use {{user}}"},
		{"{{1000+i", "x", nil, "without }}"},
		{"{{1000/0}}", "x", nil, "division by zero"},
		{"{{i+group}}", "x", nil, "not a number"},
		{"{{nosuch}}", "x", nil, "unknown variable"},
	} {
		src := fmt.Sprintf("phones:\n  - {group: desk, model: 450HD, count: 3, user: %q, password: %q}\n", tc.user, tc.password)
		f, err := fleet.Parse("p.yaml", []byte(src))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.user, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.user, err)
			continue
		}
		got := []string{f.Phones[0].User, f.Phones[0].Password, f.Phones[2].User, f.Phones[2].Password}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s/%s: got %v, want %v", tc.user, tc.password, got, tc.want)
		}
	}
}

// Shards cut the fleet into disjoint, contiguous, even-sized slices that
// cover it, the same on every machine.
func TestShardsAreDisjointAndCoverTheFleet(t *testing.T) {
	for _, total := range []int{1, 2, 7, 200, 10001} {
		for n := 1; n <= 9; n++ {
			seen := make([]int, total)
			for i := 0; i < n; i++ {
				lo, hi := fleet.Shard{Index: i, Count: n}.Slice(total)
				if lo > hi || (hi < total && (hi-lo)%2 != 0) {
					t.Errorf("total %d shard %d/%d: [%d,%d)", total, i, n, lo, hi)
				}
				for k := lo; k < hi; k++ {
					seen[k]++
				}
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("total %d, %d shards: phone %d in %d shards", total, n, k, c)
				}
			}
		}
	}
	for _, bad := range []string{"", "1", "2/2", "-1/3", "a/b", "0/0"} {
		if _, err := fleet.ParseShard(bad); !errors.Is(err, fleet.ErrShard) {
			t.Errorf("ParseShard(%q): %v", bad, err)
		}
	}
	if s, err := fleet.ParseShard("3/8"); err != nil || s != (fleet.Shard{Index: 3, Count: 8}) {
		t.Errorf("ParseShard(3/8) = %v %v", s, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "testdata/errors/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
	f.Add([]byte("phones: [{group: a, model: RX50}]\nscenario: [{wait: idle}, {call: a-1}]\n"))
	f.Add([]byte("\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := fleet.Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, fleet.ErrFile) {
				t.Fatalf("error does not match ErrFile: %v", err)
			}
			return
		}
		for _, s := range file.Scenario {
			for _, n := range s.Phones {
				if n < 0 || n >= len(file.Phones) {
					t.Fatalf("step %q selects phone %d of %d", s.Name, n, len(file.Phones))
				}
			}
			if s.Target.Phone >= len(file.Phones) {
				t.Fatalf("step %q targets phone %d of %d", s.Name, s.Target.Phone, len(file.Phones))
			}
		}
	})
}
