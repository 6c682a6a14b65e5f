package config

import (
	"errors"
	"testing"
)

func TestDefaultCatalogueLoads(t *testing.T) {
	c := Default()
	if len(c.Params()) < 300 {
		t.Fatalf("catalogue has %d params, want every row of the manual's table", len(c.Params()))
	}
}

func TestResolve(t *testing.T) {
	c := Default()
	tests := []struct {
		key, canon string
		index      int
		err        error
	}{
		{"network/lan_type", "network/lan_type", -1, nil},
		{"NETWORK/LAN_TYPE", "network/lan_type", -1, nil}, // any case
		{"personal_settings/functional_key/12/type", "personal_settings/functional_key/12/type", 12, nil},
		{"personal_settings/functional_key/48/type", "", 0, ErrBadIndex},
		{"personal_settings/functional_key/type", "", 0, ErrUnknownKey},
		{"no/such/key", "", 0, ErrUnknownKey},
	}
	for _, tt := range tests {
		_, canon, idx, err := c.Resolve(tt.key)
		if !errors.Is(err, tt.err) || canon != tt.canon || (err == nil && idx != tt.index) {
			t.Errorf("Resolve(%q) = %q, %d, %v; want %q, %d, %v", tt.key, canon, idx, err, tt.canon, tt.index, tt.err)
		}
	}
}

func TestSetCanonicalisesEnums(t *testing.T) {
	c := Default().New("450HD")
	if err := c.Set("network/lan_type", "static"); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("network/lan_type"); got != "STATIC" {
		t.Fatalf("got %q, want STATIC", got)
	}
	if err := c.Set("network/lan/vlan/id", "5000"); !errors.Is(err, ErrBadValue) {
		t.Fatalf("out-of-range VLAN accepted: %v", err)
	}
}
