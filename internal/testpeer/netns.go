package testpeer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// NS is a network namespace made for one test and deleted when it ends.
type NS struct {
	Name string
}

// Netns creates a network namespace with its loopback up. The name gets a
// random suffix so parallel tests never collide; it is deleted on cleanup
// (which also removes the veths inside it).
func Netns(t testing.TB, prefix string) *NS {
	t.Helper()
	NeedRoot(t)
	Need(t, "ip")
	var b [3]byte
	rand.Read(b[:])
	ns := &NS{Name: prefix + "-" + hex.EncodeToString(b[:])}
	MustRun(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns.Name).Run() })
	ns.MustRun(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Command returns argv wrapped to run inside the namespace.
func (ns *NS) Command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...)
}

// MustRun runs argv inside the namespace and fails the test on error.
func (ns *NS) MustRun(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := ns.Command(argv...).CombinedOutput()
	if err != nil {
		t.Fatalf("testpeer: in netns %s: %v: %v\n%s", ns.Name, argv, err, out)
	}
	return string(out)
}

// MustRun runs a command in the test's own namespace and fails on error.
func MustRun(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("testpeer: %v: %v\n%s", argv, err, out)
	}
	return string(out)
}

// Do runs f on an OS thread switched into the namespace, then switches back.
// Sockets f opens belong to the namespace and stay there after Do returns, so
// a test can open a raw or UDP socket "inside" the namespace and use it from
// any goroutine.
func (ns *NS) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: if switching back failed it must die
		// with the goroutine rather than serve others in the wrong namespace.
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + ns.Name)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns.Name, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Veth connects namespace a (interface aIf with address aAddr, CIDR form such
// as "10.0.0.1/24", or "" for none) to namespace b (bIf, bAddr). Either
// namespace may be nil for the test's own namespace. mac, if not "", is set
// on bIf (phones have AudioCodes MACs).
func Veth(t testing.TB, a *NS, aIf, aAddr string, b *NS, bIf, bAddr, mac string) {
	t.Helper()
	tmp := "vt" + randHex(4)
	MustRun(t, "ip", "link", "add", tmp+"a", "type", "veth", "peer", "name", tmp+"b")
	place := func(ns *NS, dev, name, addr, mac string) {
		run := func(argv ...string) { MustRun(t, argv...) }
		if ns != nil {
			MustRun(t, "ip", "link", "set", dev, "netns", ns.Name)
			run = func(argv ...string) { ns.MustRun(t, argv...) }
		}
		run("ip", "link", "set", dev, "name", name)
		if mac != "" {
			run("ip", "link", "set", name, "address", mac)
		}
		if addr != "" {
			run("ip", "addr", "add", addr, "dev", name)
		}
		run("ip", "link", "set", name, "up")
	}
	place(a, tmp+"a", aIf, aAddr, "")
	place(b, tmp+"b", bIf, bAddr, mac)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))[:n]
}
