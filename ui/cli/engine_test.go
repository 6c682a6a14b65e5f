package cli_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/ui/cli"
)

type testPhone struct {
	phone   *device.Phone
	console *cli.Console
	ctx     context.Context
}

type opts struct {
	model     model.Name
	flash     *flash.Store
	config    string
	loadURL   func(context.Context, string) error
	provision func(context.Context) error
}

func startB(b *testing.B) *testPhone { return start(b, opts{}) }

func start(t testing.TB, o opts) *testPhone {
	t.Helper()
	if o.model == "" {
		o.model = model.M450HD
	}
	if o.flash == nil {
		o.flash = flash.NewMemory()
	}
	if o.config != "" {
		o.flash.Write(device.RecordConfig, []byte(o.config))
	}
	mac, _ := net.ParseMAC("00:90:8f:00:00:01")
	p, err := device.New(device.Config{Model: model.MustLookup(o.model), MAC: mac, Flash: o.flash})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cli.New(cli.Config{Phone: p, TelnetAddr: "127.0.0.1:0", SSHAddr: "127.0.0.1:0", LoadURL: o.loadURL, Provision: o.provision})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- p.Run(ctx) }()
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("shutdown: %v", err)
			}
		}
	})
	if err := p.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	tp := &testPhone{phone: p, console: c, ctx: ctx}
	tp.waitBoot(t, 1)
	return tp
}

func (tp *testPhone) waitBoot(t testing.TB, n int) device.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(tp.ctx, 10*time.Second)
	defer cancel()
	st, err := tp.phone.Wait(ctx, func(s device.State) bool { return s.Stage == device.StageIdle && s.BootCount >= n })
	if err != nil {
		t.Fatalf("not idle in boot %d: %v", n, err)
	}
	return st
}

func (tp *testPhone) exec(t *testing.T, line string) (string, error) {
	t.Helper()
	var out strings.Builder
	_, err := tp.console.Engine().Exec(tp.ctx, &out, line)
	return out.String(), err
}

func TestEngineCommands(t *testing.T) {
	var loaded []string
	provisioned := 0
	tp := start(t, opts{
		loadURL:   func(_ context.Context, u string) error { loaded = append(loaded, u); return nil },
		provision: func(context.Context) error { provisioned++; return nil },
	})
	tests := []struct {
		line    string
		want    []string
		wantErr error
	}{
		{"help", []string{"show status", "set KEY VALUE", "restore defaults"}, nil},
		{"show status", []string{"model:     450HD", "mac:       00908f000001", "firmware:  " + device.DefaultFirmware, "state:     idle"}, nil},
		{"show config voip/media/media_port", []string{"voip/media/media_port=4000 (default)"}, nil},
		{"SHOW CONFIG VOIP/MEDIA/MEDIA_PORT", []string{"voip/media/media_port=4000"}, nil},
		{"show config system/syslog/", []string{"system/syslog/mode=Local", "system/syslog/server_port=514"}, nil},
		{"show config", []string{"(factory configuration: nothing set)"}, nil},
		{"show config no/such/key", nil, config.ErrUnknownKey},
		{"set voip/media/media_port 6000", []string{"voip/media/media_port=6000"}, nil},
		{"show config voip/media/media_port", []string{`voip/media/media_port=6000 (set; default "4000")`}, nil},
		{"set network/lan/vlan/id 9999", nil, config.ErrBadValue},
		{"set no/such/key 1", nil, config.ErrUnknownKey},
		{"set", nil, cli.ErrUsage},
		{"set system/password s3cret", []string{"system/password=********"}, nil},
		{"show config system/password", []string{"system/password=******** (set"}, nil},
		{`set system/web_user_name "desk user"`, []string{"system/web_user_name=desk user"}, nil},
		{"load http://127.0.0.1/x.cfg", []string{"loaded http://127.0.0.1/x.cfg"}, nil},
		{"load", nil, cli.ErrUsage},
		{"provision", []string{"provisioning check done"}, nil},
		{"frobnicate", nil, cli.ErrUnknownCommand},
		{`set "unterminated`, nil, cli.ErrSyntax},
		{"show", nil, cli.ErrUsage},
		{"show log 0", nil, cli.ErrUsage},
		{"", nil, nil},
	}
	for _, tt := range tests {
		out, err := tp.exec(t, tt.line)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%q: err %v, want %v", tt.line, err, tt.wantErr)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: output lacks %q:\n%s", tt.line, w, out)
			}
		}
	}
	st := tp.phone.Snapshot()
	if st.Config.Get("voip/media/media_port") != "6000" || st.Config.Get("network/lan/vlan/id") != "0" {
		t.Fatalf("config after commands: port %s vlan %s", st.Config.Get("voip/media/media_port"), st.Config.Get("network/lan/vlan/id"))
	}
	if st.Config.Get("system/web_user_name") != "desk user" {
		t.Fatalf("quoted value: %q", st.Config.Get("system/web_user_name"))
	}
	if len(loaded) != 1 || provisioned != 1 {
		t.Fatalf("hooks: loaded %v provisioned %d", loaded, provisioned)
	}
	// The console records events on its own goroutine: wait for them.
	var out string
	for deadline := time.Now().Add(5 * time.Second); ; {
		out, _ = tp.exec(t, "show log 50")
		if strings.Contains(out, "config-applied idle console (1 changes)") && strings.Contains(out, "config-rejected") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("show log lacks the console's change:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEngineRebootAndRestore(t *testing.T) {
	tp := start(t, opts{})
	if _, err := tp.exec(t, "set voip/media/media_port 6000"); err != nil {
		t.Fatal(err)
	}
	out, err := tp.exec(t, "reboot")
	if err != nil || !strings.Contains(out, "restarting") {
		t.Fatalf("reboot: %q %v", out, err)
	}
	st := tp.waitBoot(t, 2)
	if st.Config.Get("voip/media/media_port") != "6000" {
		t.Fatal("setting lost over reboot")
	}
	if _, err := tp.exec(t, "restore"); !errors.Is(err, cli.ErrUsage) {
		t.Fatalf("restore without 'defaults': %v", err)
	}
	if _, err := tp.exec(t, "restore defaults"); err != nil {
		t.Fatal(err)
	}
	st = tp.waitBoot(t, 3)
	if st.Config.Get("voip/media/media_port") != "4000" {
		t.Fatal("restore defaults kept the setting")
	}
}

func TestEngineHooksMissing(t *testing.T) {
	tp := start(t, opts{})
	for _, line := range []string{"load http://x/y.cfg", "provision"} {
		if _, err := tp.exec(t, line); !errors.Is(err, cli.ErrNotAvailable) {
			t.Errorf("%q: %v", line, err)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"  a  b\tc ", []string{"a", "b", "c"}, false},
		{`set x "a b"`, []string{"set", "x", "a b"}, false},
		{`a ""`, []string{"a", ""}, false},
		{`a\ b`, []string{"a b"}, false},
		{`"a\"b"`, []string{`a"b`}, false},
		{`"open`, nil, true},
		{`end\`, nil, true},
		{"nul\x00", nil, true},
		{strings.Repeat("x", 5000), nil, true},
	}
	for _, tt := range tests {
		got, err := cli.Split(tt.in)
		if (err != nil) != tt.err || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Split(%.20q) = %q, %v", tt.in, got, err)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", "show config voip/", `set a "b c"`, `a\`, `"`, "x\ty", `\"\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := cli.Split(s)
		if err != nil {
			if !errors.Is(err, cli.ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		for _, w := range words {
			if strings.ContainsAny(w, "\r\n\x00") {
				t.Fatalf("word %q holds a control character", w)
			}
		}
	})
}
