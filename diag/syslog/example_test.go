package syslog_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/diag/syslog"
)

// A phone logging to its console (mode Serial) with SIP at Detailed and the
// screen at None: the screen's informational record stays out, its warning
// goes through as lightweight syslog.
func Example() {
	h := syslog.New(syslog.Settings{
		Mode:       syslog.ModeSerial,
		Components: map[string]syslog.Level{"sip_stack": syslog.LevelDetailed, "lcd_display": syslog.LevelNone},
	}, syslog.Options{
		Hostname: "00908f000001",
		Console:  os.Stdout,
		Clock:    clocktest.New(time.Date(2024, 2, 22, 14, 5, 0, 0, time.UTC)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()

	log := slog.New(h)
	log.Debug("REGISTER sent", "component", "sip_stack", "line", 1)
	log.Info("idle screen", "component", "lcd_display")
	log.Warn("backlight fault", "component", "lcd_display")

	if err := h.Flush(ctx); err != nil { // let Run write
		panic(err)
	}
	cancel()
	<-done
	fmt.Println("dropped:", h.Dropped())
	// Output:
	// <135>1 2024-02-22T14:05:00.000000Z 00908f000001 sip_stack - - - REGISTER sent component=sip_stack line=1
	// <132>1 2024-02-22T14:05:00.000000Z 00908f000001 lcd_display - - - backlight fault component=lcd_display
	// dropped: 0
}
