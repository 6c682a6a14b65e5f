//go:build !(cgo && bcg729)

package g729_test

import (
	"errors"
	"testing"

	"github.com/hdphone/hdphone/media/codec/g729"
)

// Without the tag the package says so instead of pretending.
func TestStubSaysNotInBuild(t *testing.T) {
	if g729.Available {
		t.Fatal("Available is true in a build without bcg729")
	}
	if _, err := g729.NewEncoder(); !errors.Is(err, g729.ErrNotInBuild) {
		t.Errorf("NewEncoder err = %v", err)
	}
	if _, err := g729.NewDecoder(); !errors.Is(err, g729.ErrNotInBuild) {
		t.Errorf("NewDecoder err = %v", err)
	}
}
