// Package cli is the phone's management console: one command engine reached
// over Telnet and SSH.
//
// # Access
//
// Telnet (management/telnet/enabled) and SSH (management/ssh/enabled, on the
// models that have it: 445HD, 450HD, C450HD and HRS) are off by default. A
// Console watches the phone's configuration and opens or closes each
// listener as its switch changes, with no reboot; turning a service off also
// ends its open sessions. Both log in with the administrator pair
// system/user_name and system/password (parameters_notes item 39, AUTH-4);
// three wrong passwords end the connection, and so does silence for
// Config.IdleTimeout (default 10 minutes).
//
// Telnet negotiation (RFC 854, 857, 858, 1073) is written here: the phone
// offers WILL ECHO and WILL SUPPRESS-GO-AHEAD, asks DO NAWS for the window
// size, refuses every other option, and strips commands from the data. The
// SSH server is golang.org/x/crypto/ssh with password authentication and a
// per-phone Ed25519 host key kept in flash, so the key survives restarts and
// factory resets.
//
// # Commands
//
//	help                     the command list
//	show status              model, MAC, firmware, state, addresses
//	show config [KEY|PREFIX/] explicit settings, one key, or every key under a prefix
//	show log [N]             the last N phone events (default 20)
//	set KEY VALUE            change a parameter, validated by the phone
//	load URL                 load a configuration file from URL
//	provision                run a provisioning check now
//	reboot                   restart the phone
//	restore defaults         factory reset, then restart
//	exit, quit               end the session
//
// A command line is split into words at spaces; double quotes group words
// and a backslash escapes the next character. The engine is Engine.Exec; the
// transports only read lines and write what it prints.
package cli
