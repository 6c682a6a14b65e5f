package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hdphone/hdphone/fleet/api"
)

// serveAPI serves the control API for phones on addr until the returned
// function is called (hdphone run --api; hdphone fleet serves its own).
func serveAPI(e *env, addr string, phones ...api.Phone) (stop func(), err error) {
	srv := api.New(api.Config{Logger: e.log})
	for _, p := range phones {
		if err := srv.Add(p); err != nil {
			srv.Close()
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	fmt.Fprintf(e.stderr, "hdphone: control API on http://%s/api/v1/phones\n", ln.Addr())
	return func() {
		srv.Close() // ends the event streams first, so Shutdown need not wait
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		<-done
	}, nil
}
