package hw_test

import (
	"slices"
	"testing"

	"github.com/hdphone/hdphone/hw"
)

// Key names as fleet files and the control API write them.
func TestParseKeyRefs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []hw.KeyRef
	}{
		{"1*#", []hw.KeyRef{{Key: hw.Key1}, {Key: hw.KeyStar}, {Key: hw.KeyPound}}},
		{"ok", []hw.KeyRef{{Key: hw.KeyOK}}},
		{"PROG3", []hw.KeyRef{{Key: hw.KeyProgrammable, Index: 2}}},
		{"fkey1", []hw.KeyRef{{Key: hw.KeyFunction}}},
		{"PROG0", nil},
		{"PROG49", nil},
		{"PROGRAMMABLE", nil},
		{"NOSUCHKEY", nil},
		{"", nil},
	} {
		got, err := hw.ParseKeyRefs(tc.in)
		if (err == nil) != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("ParseKeyRefs(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
