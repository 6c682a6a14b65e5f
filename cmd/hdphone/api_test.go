package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/fleet/api"
	"github.com/hdphone/hdphone/fleet/client"
)

// hdphone run --api serves the one phone under its MAC.
func TestServeAPIForOnePhone(t *testing.T) {
	mac, _ := net.ParseMAC("00:90:8f:0a:b0:01")
	p, err := device.New(device.Config{Model: model.MustLookup(model.MRX50), MAC: mac})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var errb bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &errb, level: new(slog.LevelVar), log: slog.New(slog.DiscardHandler)}
	stop, err := serveAPI(e, "127.0.0.1:0", api.Phone{ID: p.MAC(), Device: p})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	m := regexp.MustCompile(`http://[0-9.:]+`).FindString(errb.String())
	if m == "" {
		t.Fatalf("no address printed: %q", errb.String())
	}
	c := client.New(m, nil)
	if err := c.Power(ctx, p.MAC(), true); err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitFor(ctx, "00908f0ab001", func(s api.PhoneState) bool { return s.Stage == "idle" })
	if err != nil {
		t.Fatal(err)
	}
	if st.Model != "RX50" {
		t.Errorf("state %+v", st.PhoneSummary)
	}
}
