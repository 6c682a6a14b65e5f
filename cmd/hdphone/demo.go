package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

// runDemo boots one phone of each model in this process and reports how far
// each got. The story grows as the lab, SIP and media subsystems land.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs, verbose := newFlags(e, "demo", "")
	timeout := fs.Duration("timeout", 50*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	type result struct {
		phone *device.Phone
		took  time.Duration
		err   error
	}
	var results []result
	start := time.Now()
	for i, m := range model.All() {
		mac := net.HardwareAddr{0x00, 0x90, 0x8f, 0xde, 0x00, byte(i + 1)}
		p, err := device.New(device.Config{Model: m, MAC: mac, Logger: e.log})
		if err != nil {
			return err
		}
		go p.Run(ctx)
		events, stop := p.Subscribe(256)
		go func() {
			defer stop()
			for ev := range events {
				fmt.Fprintf(e.stdout, "%-7s %s  %s\n", m.Name, p.MAC(), ev)
				if ev.Kind == device.EventStage && ev.Stage == device.StageIdle {
					return
				}
			}
		}()
		if err := p.PowerOn(ctx); err != nil {
			return err
		}
		results = append(results, result{phone: p})
	}
	failed := 0
	for i := range results {
		r := &results[i]
		_, r.err = r.phone.Wait(ctx, func(s device.State) bool { return s.Stage == device.StageIdle })
		r.took = time.Since(start)
	}
	fmt.Fprintln(e.stdout, "\nsummary:")
	for _, r := range results {
		s := r.phone.Snapshot()
		status := "ok"
		if r.err != nil {
			status = "FAILED: " + r.err.Error()
			failed++
		}
		fmt.Fprintf(e.stdout, "  %-7s %s firmware %-13s boot to %-5s in %6s  %s\n",
			s.Model, s.MAC, s.Firmware, s.Stage, r.took.Round(time.Millisecond), status)
	}
	cancel()
	if failed > 0 {
		return exitError{1, fmt.Errorf("%d of %d phones failed", failed, len(results))}
	}
	return nil
}
