package fetch

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// connCounter counts a test server's connections and the ones closed.
type connCounter struct {
	mu             sync.Mutex
	opened, closed int
}

func (c *connCounter) track(_ net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		c.opened++
	case http.StateClosed, http.StateHijacked:
		c.closed++
	}
}

func (c *connCounter) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opened, c.closed
}

// The downloader's files from one server share one connection, an error
// page's too (it is read to its end), and CloseIdleConnections closes it.
func TestPlainHTTPKeepsOneConnection(t *testing.T) {
	var cc connCounter
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing.cfg" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "file "+r.URL.Path)
	}))
	srv.Config.ConnState = cc.track
	srv.Start()
	defer srv.Close()
	c := newClient(t, Config{})
	ctx := context.Background()
	for _, name := range []string{"/450HD.img", "/missing.cfg", "/00908f000001.cfg", "/450HD.cfg"} {
		data, err := ReadAll(ctx, c, srv.URL+name, 0)
		if name == "/missing.cfg" {
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		if err != nil || string(data) != "file "+name {
			t.Fatalf("%s: %q, %v", name, data, err)
		}
	}
	if opened, _ := cc.counts(); opened != 1 {
		t.Fatalf("four files took %d connections", opened)
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, closed := cc.counts(); closed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the kept connection was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A server that closes a kept connection between requests (its keep-alive
// time over) costs the phone nothing: the request goes again on a new one.
func TestPlainHTTPRetriesOnConnectionTheServerClosed(t *testing.T) {
	// One response with keep-alive, then the server closes.
	base, conns := rawHTTPServer(t, func(req *http.Request) (string, bool) {
		body := "file " + req.URL.Path
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body, true
	})
	c := newClient(t, Config{})
	for _, name := range []string{"/a.cfg", "/b.cfg"} {
		data, err := ReadAll(context.Background(), c, base+name, 0)
		if err != nil || string(data) != "file "+name {
			t.Fatalf("%s: %q, %v", name, data, err)
		}
		time.Sleep(50 * time.Millisecond) // the server's close reaches the client
	}
	if n := conns(); n != 2 {
		t.Fatalf("%d connections for two files from a server that closes each", n)
	}
}

// A request given up by its caller stops at once, headers or not.
func TestPlainHTTPCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, Config{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Open(ctx, srv.URL+"/450HD.img", 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancelled request returned after %v", d)
	}
}

// Firmware and configuration may come from two servers: a phone
// alternating between them keeps a connection to each.
func TestPlainHTTPKeepsAConnectionPerServer(t *testing.T) {
	var counters [2]connCounter
	var urls [2]string
	for i := range counters {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "file "+r.URL.Path)
		}))
		srv.Config.ConnState = counters[i].track
		srv.Start()
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
	}
	c := newClient(t, Config{})
	for range 3 {
		for _, u := range urls {
			if _, err := ReadAll(context.Background(), c, u+"/450HD.img", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range counters {
		if opened, _ := counters[i].counts(); opened != 1 {
			t.Fatalf("server %d: three files took %d connections", i, opened)
		}
	}
}

// rawHTTPServer answers each request on a connection with the response
// reply returns, written as is, and counts connections.
func rawHTTPServer(t *testing.T, reply func(req *http.Request) (raw string, closeAfter bool)) (base string, conns func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					raw, closeAfter := reply(req)
					if _, err := io.WriteString(conn, raw); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// The framings a server may answer with: the body is read right, and the
// connection is kept only when the response allows it.
func TestPlainHTTPResponseFramings(t *testing.T) {
	const body = "CFG-BODY"
	for _, tc := range []struct {
		name       string
		raw        string
		closeAfter bool
		conns      int // for three requests
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n" + body, false, 1},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nCFG\r\n5\r\n-BODY\r\n0\r\n\r\n", false, 1},
		{"interim 100 first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n" + body, false, 1},
		// The server keeps these two open: a client that kept them too would
		// use one connection for all three.
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 8\r\n\r\n" + body, false, 3},
		{"until the server closes", "HTTP/1.1 200 OK\r\n\r\n" + body, true, 3},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\n" + body, false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, conns := rawHTTPServer(t, func(*http.Request) (string, bool) { return tc.raw, tc.closeAfter })
			c := newClient(t, Config{})
			for range 3 {
				got, err := ReadAll(context.Background(), c, base+"/00908f000001.cfg", 0)
				if err != nil || string(got) != body {
					t.Fatalf("%q, %v", got, err)
				}
			}
			if n := conns(); n != tc.conns {
				t.Fatalf("%d connections for three requests, want %d", n, tc.conns)
			}
		})
	}
}

// The request on the wire is what net/http's Transport writes: the phone's
// User-Agent, the Range of a header read, no Accept-Encoding.
func TestPlainHTTPRequestOnTheWire(t *testing.T) {
	reqs := make(chan *http.Request, 1)
	base, _ := rawHTTPServer(t, func(req *http.Request) (string, bool) {
		reqs <- req
		return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/100\r\nContent-Length: 4\r\n\r\nHEAD", false
	})
	c := newClient(t, Config{})
	hdr, err := ReadHeader(context.Background(), c, base+"/450HD.img", 4)
	if err != nil || string(hdr) != "HEAD" {
		t.Fatalf("%q, %v", hdr, err)
	}
	got := <-reqs
	if got.Method != http.MethodGet || got.RequestURI != "/450HD.img" || got.Proto != "HTTP/1.1" ||
		got.Header.Get("User-Agent") != testUA || got.Header.Get("Range") != "bytes=0-3" ||
		got.Header.Get("Accept-Encoding") != "" || got.Host != strings.TrimPrefix(base, "http://") {
		t.Fatalf("request %s %s %s, header %v, host %s", got.Method, got.RequestURI, got.Proto, got.Header, got.Host)
	}
}

// A header read from a server that ignores Range (200 and the whole
// image) takes the header and drops the connection: the rest is not read.
func TestPlainHTTPHeaderFromServerIgnoringRange(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan bool, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
			return
		}
		// 64 MiB announced, 8 KiB sent: the rest would never come.
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n"+strings.Repeat("x", 8<<10))
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		closed <- err != nil && !isTimeout(err) // EOF, or a reset: the client's unread rest
	}()
	c := newClient(t, Config{Timeout: time.Minute, IdleTimeout: time.Minute})
	hdr, err := ReadHeader(context.Background(), c, "http://"+ln.Addr().String()+"/450HD.img", 512)
	if err != nil || len(hdr) != 512 {
		t.Fatalf("%d bytes, %v", len(hdr), err)
	}
	if !<-closed {
		t.Fatal("the client kept reading the rest instead of closing the connection")
	}
}
