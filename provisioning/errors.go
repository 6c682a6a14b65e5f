package provisioning

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrDisabled: provisioning/method=Disable.
	ErrDisabled = errors.New("provisioning: automatic provisioning is disabled")
	// ErrNoSource: no provisioning information (no DHCP option, no static
	// URL, no Static DNS record, no redirect answer).
	ErrNoSource = errors.New("provisioning: no provisioning source")
	// ErrBadURL: a provisioning URL that fits none of the accepted forms.
	ErrBadURL = errors.New("provisioning: bad provisioning URL")
	// ErrBadMAC: not a 12-hex-digit MAC address.
	ErrBadMAC = errors.New("provisioning: bad MAC address")
	// ErrWrongModel: a configuration file for another model.
	ErrWrongModel = errors.New("provisioning: file is for another model")
	// ErrNoConfig: none of the configuration files exists.
	ErrNoConfig = errors.New("provisioning: no configuration file on the server")
	// ErrBadSpeedDial: a speed-dial file line that is not <key>,<number>,0.
	ErrBadSpeedDial = errors.New("provisioning: bad speed-dial file")
	// ErrBadBundle: a ring-tone bundle that is not a safe zip or tgz of
	// accepted WAV files.
	ErrBadBundle = errors.New("provisioning: bad ring-tone bundle")
	// ErrBadCertificate: a downloaded certificate or key that is not usable.
	ErrBadCertificate = errors.New("provisioning: bad certificate")
	// ErrBadMusicOnHold: a music-on-hold file that is too large or not an
	// accepted WAV.
	ErrBadMusicOnHold = errors.New("provisioning: bad music-on-hold file")
	// ErrBadRedirect: a redirect server answer without a usable URL.
	ErrBadRedirect = errors.New("provisioning: bad redirect answer")
)
