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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns int
	var mu sync.Mutex
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			mu.Unlock()
			go func() {
				// One response with keep-alive, then the server closes.
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body := "file " + req.URL.Path
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
			}()
		}
	}()
	c := newClient(t, Config{})
	base := "http://" + ln.Addr().String()
	for _, name := range []string{"/a.cfg", "/b.cfg"} {
		data, err := ReadAll(context.Background(), c, base+name, 0)
		if err != nil || string(data) != "file "+name {
			t.Fatalf("%s: %q, %v", name, data, err)
		}
		time.Sleep(50 * time.Millisecond) // the server's close reaches the client
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 2 {
		t.Fatalf("%d connections for two files from a server that closes each", conns)
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
