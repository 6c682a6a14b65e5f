package sip

import (
	"crypto/tls"
	"errors"
	"testing"
)

// behaviour: SIP-9
func TestTLSVersionsFromMethodAndDisable(t *testing.T) {
	cases := []struct {
		method   string
		disable  []string
		min, max uint16
		err      error
	}{
		{"", nil, tls.VersionTLS10, tls.VersionTLS12, nil},
		{"ssl_2_3", []string{"ssl_2", "ssl_3"}, tls.VersionTLS10, tls.VersionTLS12, nil}, // the default
		{"ssl_2_3", []string{"tls_1"}, tls.VersionTLS11, tls.VersionTLS12, nil},
		{"ssl_2_3", []string{"tls_1", "tls_1_1"}, tls.VersionTLS12, tls.VersionTLS12, nil},
		{"ssl_2_3", []string{"tls_1_1"}, tls.VersionTLS12, tls.VersionTLS12, nil}, // a hole: the top run is kept
		{"ssl_2_3", []string{"tls_1_2"}, tls.VersionTLS10, tls.VersionTLS11, nil},
		{"tls_1", nil, tls.VersionTLS10, tls.VersionTLS10, nil},
		{"TLS_1_1", nil, tls.VersionTLS11, tls.VersionTLS11, nil},
		{"tls_1_2", []string{"tls_1_2"}, tls.VersionTLS12, tls.VersionTLS12, nil}, // disable only applies to ssl_2_3
		{"ssl_3", nil, 0, 0, ErrTLSVersion},
		{"ssl_2", nil, 0, 0, ErrTLSVersion},
		{"ssl_2_3", []string{"tls_1", "tls_1_1", "tls_1_2"}, 0, 0, ErrTLSVersion},
		{"tls_9", nil, 0, 0, ErrConfig},
		{"ssl_2_3", []string{"bogus"}, 0, 0, ErrConfig},
	}
	for _, tc := range cases {
		minV, maxV, err := tlsVersions(tc.method, tc.disable)
		if !errors.Is(err, tc.err) || minV != tc.min || maxV != tc.max {
			t.Errorf("tlsVersions(%q, %q) = %x, %x, %v; want %x, %x, %v", tc.method, tc.disable, minV, maxV, err, tc.min, tc.max, tc.err)
		}
	}
}
