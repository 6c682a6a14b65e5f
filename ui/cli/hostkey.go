package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/hdphone/hdphone/device/flash"
)

// loadOrMakeHostKey returns the phone's SSH host key, making and storing an
// Ed25519 key the first time. A damaged record is replaced.
func loadOrMakeHostKey(fl *flash.Store) (ssh.Signer, error) {
	if b, err := fl.Read(RecordSSHHostKey); err == nil {
		if s, err := ssh.ParsePrivateKey(b); err == nil {
			return s, nil
		}
	} else if !errors.Is(err, flash.ErrNotFound) {
		return nil, fmt.Errorf("cli: read host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cli: host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, fmt.Errorf("cli: host key: %w", err)
	}
	if err := fl.Write(RecordSSHHostKey, pem.EncodeToMemory(block)); err != nil {
		return nil, fmt.Errorf("cli: store host key: %w", err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("cli: host key: %w", err)
	}
	return s, nil
}
