package dot1x

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Config is a supplicant's port and credentials.
type Config struct {
	Interface          string
	Identity, Password string
	// TLS, when set, makes the supplicant speak EAP-TLS with it (the
	// phone's certificate, the CAs it checks the server with) and refuse
	// MD5; nil speaks EAP-MD5 with Password.
	TLS *tls.Config
	// TLSFragment is the most TLS data per EAP-TLS packet; 0 means 1000.
	TLSFragment int
	// Timeout is how long each EAPOL-Start waits for the authenticator;
	// 0 means 3 s. Tries is how many Starts are sent; 0 means 3.
	Timeout time.Duration
	Tries   int
	Logger  *slog.Logger
}
