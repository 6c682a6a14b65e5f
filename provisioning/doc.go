// Package provisioning is the 400HD's provisioning decision: where the
// firmware and configuration come from, in which order they are checked, when
// the periodic checks run, and the side files (speed dials, ring tones,
// certificates) and the Device Manager keep-alive.
//
// It never imports sip, media or device: the integrator (device) calls
// Provisioner.Check from its Firmware and Configuration boot stages, burns an
// image through DownloadFirmware into its flash writer, applies the returned
// configuration, and runs the Scheduler and KeepAlive as services.
//
// # Where files come from (Decide, Locate)
//
// provisioning/method is compared without regard to case:
//
//   - Dynamic (default): the DHCP option numbered provisioning/url_option_value
//     (160 unless changed) holds a URL in one of the four forms below; without
//     it, option 66 names a TFTP server and option 67 the firmware file
//     (default <model>.img) (BOOT-4, BOOT-5).
//   - Static: provisioning/firmware/url and provisioning/configuration/url.
//   - Disable: no automatic provisioning (ErrDisabled).
//
// When Dynamic finds nothing, Locate falls back to the Static DNS record
// (B.1: if the name ProvisioningServer resolves, tftp://ProvisioningServer/
// <model>/<model>.img and .../<model>/<MAC>.cfg) and then to the HTTPS redirect
// server (B.2, provisioning/redirect_server_url). The manual leaves this order
// open (parameters_notes 68); the local network's record is tried before a
// server on the internet. The SIP SUBSCRIBE/NOTIFY step B.1 mentions is never
// described by the manual and is not done.
//
// # URL forms (ParseURL)
//
// The option-160 value, a static URL or a redirect answer is one of:
//
//	proto://host               firmware <model>.img; configuration <MAC>.cfg, then <model>.cfg
//	proto://host/fw.img        firmware only
//	proto://host/fw.img;cfg    firmware and configuration
//	proto://host/;cfg          configuration only
//
// proto is ftp, tftp, http or https (any case); host may carry a port and FTP
// user:password. The configuration name after ';' is resolved like a relative
// link against the firmware URL (so it lives beside the firmware, or at the
// root when the firmware path has no directory), unless it is itself a full
// URL. A firmware part without an extension names a directory holding
// <model>.img: the Device Manager's "http://<ems>/firmwarefiles;ipp/dhcpoption160.cfg"
// gives firmware http://<ems>/firmwarefiles/<model>.img and configuration
// http://<ems>/ipp/dhcpoption160.cfg (BOOT-7). Any other firmware extension, an
// empty name after ';', more than one ';', an unknown protocol or a missing host
// is ErrBadURL.
//
// The manual does not say which configuration applies to proto://host; this
// package asks for the per-phone <MAC>.cfg first and, if the server has none,
// the global <model>.cfg (the same order for options 66/67 and a static
// configuration URL without a file name). The token <MAC> anywhere in a URL is
// replaced by the phone's MAC as 12 lower-case hex digits (servers accept either
// case), <MODEL> by the model, and <450HD>-style model placeholders by the
// model name they hold (parameters_notes 66).
//
// # Order (Provisioner.Check)
//
// The firmware header is read first (one TFTP block, one HTTP range, a
// partial FTP read). When its version differs from the running one — newer or
// older — and the image is for this model, the outcome asks for an upgrade and
// no configuration is fetched. Only when there is no firmware to install is
// the configuration fetched, decrypted when it is a .cfx, checked to be for
// this model (system/type, when present) and applied on a copy of the running
// configuration (PROV-1).
//
// # Redirect server
//
// hdphone's redirect exchange: GET <redirect_server_url>/<MAC> (12 lower-case
// hex digits) with the phone's User-Agent (which names the model) over HTTPS.
// The answer is a redirect (301, 302, 303, 307 or 308) whose Location is the
// provisioning URL in one of the four forms, or 200 with a text body whose
// first non-blank line is that URL. 404 means the server does not know this
// phone (ErrNoSource).
//
// # Periodic checks (Scheduler)
//
// provisioning/period/type hourly (every hours_interval hours after the
// previous scheduled check), daily (at daily/time), weekly (on weekly/day at
// weekly/time) or powerup (none); each check starts after a random 1..
// random_provisioning_time seconds (none when 0). Time and randomness are
// injected (PER-1, PER-2).
package provisioning
