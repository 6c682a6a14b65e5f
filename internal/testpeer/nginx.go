package testpeer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Nginx is a running nginx serving Root over HTTP, HTTPS and (optionally)
// HTTPS with required client certificates.
type Nginx struct {
	*Process
	Root string // the served directory (world-readable); write files here
	// HTTP, HTTPS and MTLS are host:port on 127.0.0.1 (MTLS is empty
	// without NginxOptions.ClientCA).
	HTTP, HTTPS, MTLS string
	accessLog         string
}

// NginxOptions configure StartNginx.
type NginxOptions struct {
	// Server is the certificate for the HTTPS ports; nil: no HTTPS.
	Server *Leaf
	// ClientCA, when set, adds a port that requires a client certificate
	// issued by this CA (nginx answers 400 without one).
	ClientCA *CA
}

// StartNginx starts nginx (recipe: testbench nginx.sh) on free loopback
// ports. Its access log records, per request, the status, the body bytes
// sent, the Range header and the User-Agent: tests read it with AccessLog.
func StartNginx(t testing.TB, o NginxOptions) *Nginx {
	t.Helper()
	bins := Need(t, "nginx")
	NeedRoot(t)
	state := worldReadableDir(t, "nginx-state")
	root := filepath.Join(state, "root")
	os.MkdirAll(root, 0o755)
	n := &Nginx{Root: root, accessLog: filepath.Join(state, "access.log")}
	n.Process = startOnFreePort(t, func() (*Process, error) {
		conf := n.config(t, o, state, root)
		confPath := filepath.Join(state, "nginx.conf")
		WriteFile(t, confPath, conf)
		p := Start(t, "nginx", state, bins[0], "-e", filepath.Join(state, "error.log"), "-p", state, "-c", confPath)
		return p, p.WaitTCP(n.HTTP, 15*time.Second)
	})
	return n
}

// config picks free ports and writes nginx's configuration.
func (n *Nginx) config(t testing.TB, o NginxOptions, state, root string) string {
	n.HTTP = "127.0.0.1:" + strconv.Itoa(FreePort(t, "tcp"))
	listen := "listen " + n.HTTP + ";\n"
	tlsConf := ""
	if o.Server != nil {
		n.HTTPS = "127.0.0.1:" + strconv.Itoa(FreePort(t, "tcp"))
		listen += "        listen " + n.HTTPS + " ssl;\n"
		// TLS 1.3 as well as 1.2 (nginx 1.22 offers up to 1.2 by
		// default; servers today offer 1.3).
		tlsConf = fmt.Sprintf("ssl_certificate %s;\n    ssl_certificate_key %s;\n    ssl_protocols TLSv1.2 TLSv1.3;\n", o.Server.CertFile, o.Server.KeyFile)
	}
	mtls := ""
	if o.ClientCA != nil && o.Server != nil {
		n.MTLS = "127.0.0.1:" + strconv.Itoa(FreePort(t, "tcp"))
		mtls = fmt.Sprintf(`    server {
        listen %s ssl;
        ssl_client_certificate %s;
        ssl_verify_client on;
        root %s;
    }
`, n.MTLS, o.ClientCA.CertFile, root)
	}
	return fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
user root;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    log_format evidence '$remote_addr "$request" $status $body_bytes_sent "$http_range" "$http_user_agent" "$ssl_client_s_dn" "$ssl_protocol"';
    access_log %[1]s/access.log evidence;
    client_body_temp_path %[1]s/tmp-body;
    proxy_temp_path %[1]s/tmp-proxy;
    fastcgi_temp_path %[1]s/tmp-fastcgi;
    uwsgi_temp_path %[1]s/tmp-uwsgi;
    scgi_temp_path %[1]s/tmp-scgi;
    %[2]s
    server {
        %[3]s
        root %[4]s;
    }
%[5]s}
`, state, tlsConf, listen, root, mtls)
}

// AccessLog returns the access log so far, one request a line:
// remote "request" status body_bytes "range" "user-agent" "client-subject"
// "tls-version" (the subject of the client certificate, on the mutual TLS
// port; TLSv1.2 and so on over HTTPS). nginx
// writes a line when a request ends, so the log may lag a moment behind the
// client.
func (n *Nginx) AccessLog() string {
	b, _ := os.ReadFile(n.accessLog)
	return string(b)
}
