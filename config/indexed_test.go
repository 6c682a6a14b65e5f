package config_test

import (
	"fmt"
	"testing"

	"github.com/hdphone/hdphone/config"
)

func TestIndexedKey(t *testing.T) {
	for _, tc := range []struct {
		format string
		n      int
		want   string
	}{
		{"voip/codec/codec_info/%d/name", 0, "voip/codec/codec_info/0/name"},
		{"voip/codec/codec_info/%d/name", 11, "voip/codec/codec_info/11/name"},
		{"personal_settings/functional_key/%d/type", 47, "personal_settings/functional_key/47/type"},
		{"personal_settings/functional_key/%d/type", 3, "personal_settings/functional_key/3/type"},
		{"x/%d/y", 200, "x/200/y"},   // past the first table's end
		{"x/%d/y", 5000, "x/5000/y"}, // past what is kept
		{"x/%d/y", -1, "x/-1/y"},
	} {
		for range 2 { // made, then remembered
			if got := config.IndexedKey(tc.format, tc.n); got != tc.want {
				t.Errorf("IndexedKey(%q, %d) = %q", tc.format, tc.n, got)
			}
		}
	}
}

// Goroutines asking for new families and indices at once all get the right
// names (go test -race).
func TestIndexedKeyConcurrent(t *testing.T) {
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for n := range 300 {
				format := fmt.Sprintf("concurrent/%d/%%d/k", n%7)
				if got, want := config.IndexedKey(format, n*g), fmt.Sprintf(format, n*g); got != want {
					t.Errorf("IndexedKey(%q, %d) = %q", format, n*g, got)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
