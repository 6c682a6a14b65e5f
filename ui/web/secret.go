package web

import (
	"fmt"
	"strings"

	"github.com/hdphone/hdphone/config"
)

// secret returns the plain text of a password parameter, whether it is
// stored plain or in the encrypted {"…"} form.
func secret(cfg *config.Config, key string) (string, error) {
	v := cfg.Get(key)
	if strings.HasPrefix(v, `{"`) && strings.HasSuffix(v, `"}`) {
		return "", fmt.Errorf("web: %s: encrypted value cannot be decrypted by this build", key)
	}
	return v, nil
}
