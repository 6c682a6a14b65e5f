package ui_test

import (
	"strings"
	"testing"

	"github.com/hdphone/hdphone/ui"
)

func TestParseContacts(t *testing.T) {
	tests := []struct {
		name, in string
		want     []ui.Contact
		err      string
	}{
		{"plain", "Alice,1002\nBob, 1003 \n", []ui.Contact{{"Alice", "1002"}, {"Bob", "1003"}}, ""},
		{"comments and blanks", "# team\n\n; old\nCarol,+4930123\n", []ui.Contact{{"Carol", "+4930123"}}, ""},
		{"quoted name", `"Smith, Alice",1002` + "\n", []ui.Contact{{"Smith, Alice", "1002"}}, ""},
		{"no comma", "Alice 1002\n", nil, "line 1"},
		{"letters in the number", "Alice,10a2\n", nil, "line 1"},
		{"empty name", ",1002\n", nil, "line 1"},
		{"unclosed quote", "ok,1\n\"Alice,1002\n", nil, "line 2"},
		{"three fields", "a,1,2\n", nil, "line 1"},
		{"binary", "A,1\n\xff\xfe,1\n", nil, "line 2"},
		{"long line", strings.Repeat("x", 5000) + ",1\n", nil, "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ui.ParseContacts(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("entry %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func FuzzParseContacts(f *testing.F) {
	f.Add("Alice,1002\nBob,1003\n")
	f.Add(`"Smith, A",+49*1#` + "\n# c\n")
	f.Add("\xff,\x00\n,,,\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ui.ParseContacts(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Name == "" || c.Number == "" || strings.ContainsAny(c.Number, ", \n") {
				t.Fatalf("accepted a bad contact %+v from %q", c, in)
			}
		}
	})
}
