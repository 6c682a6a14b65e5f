package device

import "testing"

func TestUserAgentMatchesTheFieldForm(t *testing.T) {
	got := UserAgent("C450HD", "UC_3.4.6.604")
	if want := "AUDC/3.4.6.604 AUDC-IPPhone-C450HD_UC_3.4.6.604/1"; got != want {
		t.Fatalf("UserAgent = %q, want %q", got, want)
	}
}
