package testpeer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FTP user created for the local-user login (the shell must be in
// /etc/shells: Debian's PAM stack has pam_shells).
const (
	FTPUser     = "hdphoneftp"
	FTPPassword = "hdphone-ftp-pw"
)

// Vsftpd is a running vsftpd serving Root to anonymous users and to the local
// user FTPUser, in passive mode.
type Vsftpd struct {
	*Process
	Root string // the served directory (world-readable); write files here
	Addr string // 127.0.0.1:port
	log  string
}

// StartVsftpd starts vsftpd on a free loopback port (recipe: testbench
// vsftpd.sh, with its traps: seccomp_sandbox=NO, local_root, a real shell for
// the local user). Its transfer log (xferlog, one line per file with the
// bytes sent and c/i for complete/incomplete) is read with XferLog.
func StartVsftpd(t testing.TB) *Vsftpd {
	t.Helper()
	bins := Need(t, "vsftpd", "useradd", "chpasswd")
	NeedRoot(t)
	ensureFTPUser(t)
	state := worldReadableDir(t, "vsftpd")
	root := filepath.Join(state, "root")
	empty := filepath.Join(state, "empty")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(empty, 0o755)
	v := &Vsftpd{Root: root, log: filepath.Join(state, "xferlog")}
	v.Process = startOnFreePort(t, func() (*Process, error) {
		port := strconv.Itoa(FreePort(t, "tcp"))
		v.Addr = "127.0.0.1:" + port
		conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=%s
background=NO
seccomp_sandbox=NO
secure_chroot_dir=%s
anonymous_enable=YES
anon_root=%s
no_anon_password=YES
local_enable=YES
local_root=%s
write_enable=NO
chroot_local_user=NO
pasv_enable=YES
pasv_address=127.0.0.1
xferlog_enable=YES
xferlog_file=%s
vsftpd_log_file=%s
dual_log_enable=YES
log_ftp_protocol=YES
`, port, empty, root, root, v.log, filepath.Join(state, "vsftpd.log"))
		confPath := filepath.Join(state, "vsftpd.conf")
		WriteFile(t, confPath, conf)
		p := Start(t, "vsftpd", state, bins[0], confPath)
		return p, p.WaitTCP(v.Addr, 15*time.Second)
	})
	return v
}

// XferLog returns the transfer log so far.
func (v *Vsftpd) XferLog() string {
	b, _ := os.ReadFile(v.log)
	return string(b)
}

func ensureFTPUser(t testing.TB) {
	t.Helper()
	// vsftpd changes to the home directory before local_root, so it must
	// exist: "/" does.
	if out, err := exec.Command("getent", "passwd", FTPUser).Output(); err != nil {
		MustRun(t, "useradd", "-M", "-d", "/", "-s", "/bin/sh", FTPUser)
	} else if !strings.Contains(string(out), ":/:/bin/sh") {
		MustRun(t, "usermod", "-d", "/", "-s", "/bin/sh", FTPUser)
	}
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(FTPUser + ":" + FTPPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testpeer: chpasswd: %v\n%s", err, out)
	}
}
