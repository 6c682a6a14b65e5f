package testpeer

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// registerBench is the SIPp scenario of SIPpRegisterRate: REGISTER, the
// 401 challenge, REGISTER with credentials, 200; the user and the
// credentials come from the injection file.
//
//go:embed sipp/register-bench.xml
var registerBench string

// SIPpRegisterRate has SIPp register n users (first, first+1, …, each with
// password "pass" and its number, as Kamailio's UserRange has them) at k
// with digest authentication, limit registrations at once, and returns
// SIPp's rate (including its start) and the processor time it used: the
// reference a fleet's own registration rate is compared with.
func SIPpRegisterRate(t testing.TB, k *Kamailio, n, first, limit int) (perSec float64, cpu time.Duration) {
	t.Helper()
	dir := t.TempDir()
	scenario := filepath.Join(dir, "register-bench.xml")
	WriteFile(t, scenario, registerBench)
	var users strings.Builder
	users.WriteString("SEQUENTIAL\n")
	for i := range n {
		u := first + i
		fmt.Fprintf(&users, "%d;[authentication username=%d password=pass%d]\n", u, u, u)
	}
	inf := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(inf, []byte(users.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := StartSIPp(t, SIPpConfig{
		Scenario: scenario, Remote: k.Addr(), Calls: n,
		Rate: 100000, Limit: limit, InjectionFile: inf, Timeout: 5 * time.Minute,
	})
	if err := s.Wait(t, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds(), s.CPU(t)
}
