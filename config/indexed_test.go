package config_test

import (
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
	} {
		for range 2 { // made, then remembered
			if got := config.IndexedKey(tc.format, tc.n); got != tc.want {
				t.Errorf("IndexedKey(%q, %d) = %q", tc.format, tc.n, got)
			}
		}
	}
}
