//go:build linux

package fleet

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// netnsDo returns a function that runs f on a thread inside the named
// network namespace (/run/netns/<name>, as ip netns makes them), for phones
// whose port is in that namespace.
func netnsDo(name string) func(f func() error) error {
	return func(f func() error) error {
		target, err := os.Open(filepath.Join("/run/netns", name))
		if err != nil {
			return fmt.Errorf("fleet: namespace %s: %w", name, err)
		}
		defer target.Close()
		runtime.LockOSThread()
		self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			return fmt.Errorf("fleet: own namespace: %w", err)
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			return fmt.Errorf("fleet: enter namespace %s: %w", name, err)
		}
		ferr := f()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread is stuck in the other namespace: let it die with
			// the goroutine instead of returning it to the pool.
			return fmt.Errorf("fleet: leave namespace %s: %w (and %v)", name, err, ferr)
		}
		runtime.UnlockOSThread()
		return ferr
	}
}
