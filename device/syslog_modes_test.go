package device_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// behaviour: DIAG-1
func TestSyslogSerialAndLocalModes(t *testing.T) {
	for _, mode := range []string{"Serial", "Local", "All"} {
		t.Run(mode, func(t *testing.T) {
			console, local := &lockedBuffer{}, &lockedBuffer{}
			fl := flash.NewMemory()
			fl.Write(device.RecordConfig, []byte("system/syslog/mode="+mode+"\nsystem/syslog/log_level=Detailed\n"))
			mac, _ := net.ParseMAC("00:90:8f:20:00:01")
			p, err := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac, Flash: fl,
				SyslogConsole: console, SyslogLocal: local})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			p.PowerOn(ctx)
			p.Wait(ctx, func(s device.State) bool { return s.Stage == device.StageIdle })
			want := map[string]*lockedBuffer{"Serial": console, "Local": local, "All": console}[mode]
			waitText := func(text string) {
				deadline := time.Now().Add(5 * time.Second)
				for !strings.Contains(want.String(), text) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
			}
			// A change of configuration is logged once System Logging runs.
			if _, _, err := p.ApplyConfig(ctx, "test", []byte("voip/media/media_port=6000\n")); err != nil {
				t.Fatal(err)
			}
			waitText("configuration applied")
			// The lines just before a restart are delivered too.
			p.Reboot(ctx, "syslog test")
			waitText("reboot")
			if !strings.Contains(want.String(), "reboot") {
				t.Errorf("mode %s: no reboot line where the mode sends lines; console %q local %q", mode, console.String(), local.String())
			}
			if mode == "Serial" && local.String() != "" || mode == "Local" && console.String() != "" {
				t.Errorf("mode %s wrote to the wrong place: console %q local %q", mode, console.String(), local.String())
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				t.Error(err)
			}
		})
	}
}
