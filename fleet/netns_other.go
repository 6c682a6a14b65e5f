//go:build !linux

package fleet

import (
	"errors"
	"fmt"
)

// netnsDo is Linux-only: network namespaces do not exist elsewhere.
func netnsDo(name string) func(f func() error) error {
	return func(func() error) error {
		return fmt.Errorf("fleet: namespace %s: %w", name, errors.ErrUnsupported)
	}
}
