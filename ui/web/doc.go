// Package web is the phone's own Web interface: the pages an administrator
// reaches by browsing to a 400HD phone's IP address, laid out by the manual's
// menu paths under three tabs (Configuration, Management, Status &
// Diagnostics), plus a live faceplate page the real phone does not have.
//
// # Serving
//
// A Server serves HTTP and HTTPS. The HTTPS certificate is self-signed, made
// once per phone (its CN is the MAC) and kept in the phone's flash, so the
// phone presents the same certificate after every restart. With
// security/web/https_only=1 plain HTTP answers with a redirect to HTTPS (or
// 403 when no HTTPS listener runs). With system/web/enabled=0 every request is
// refused at once and every session ends; the value is read on every request,
// so a configuration change applies with no reboot (WEB-16, CFG-8).
//
// # Accounts
//
// Two accounts log in: the administrator (system/user_name, system/password,
// default admin/1234) and the user (system/web_user_name,
// system/web_user_password, default user/1234). Passwords may be given in the
// encrypted {"…"} form. The user account sees the Home page, the
// Configuration tab, the status pages (Network, VoIP, Call History, Release
// and System Information) and the faceplate; the Management tab and the
// Diagnostics pages (Syslog Config, Tombstone Dump) are the administrator's.
//
// Sessions are cookies with an idle expiry (Config.SessionIdle, default 15
// minutes). Every form carries a per-session CSRF token, and the login form a
// token bound to a login cookie; a POST without the right token is refused
// with 403 and changes nothing. After Config.MaxLoginFailures (default 5)
// consecutive failed logins from one client address, that address is locked
// out for Config.Lockout (default 5 minutes): every login attempt from it is
// refused, with a message saying until when, even with the right password.
// While a default password is in use every page shows a warning banner.
//
// # Uploads
//
// Configuration files (.cfg) are limited to Config.MaxConfigSize (default 1
// MiB) and firmware images (.img) to Config.MaxFirmwareSize (default 256 MiB);
// a larger upload is refused from its Content-Length before it is read. A
// configuration file is checked for this model and validated by the phone
// (device.Phone.ApplyConfig); a bad file changes nothing. A firmware image is
// verified whole (FirmwareVerifier) before anything is burnt. Upload file
// names are used only as labels: nothing is ever written under them.
//
// # Hooks
//
// Parts of the phone that are built elsewhere reach the pages through small
// interfaces in Config: FirmwareVerifier (the .img format), CallHistory,
// Tombstones, Faceplate (screen, LEDs, key injection), VoIP (line and call
// state) and CheckNow (Automatic Update). A nil hook makes its page say that
// the feature is not available, never pretend.
package web
