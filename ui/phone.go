package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/hdphone/hdphone/clock"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/flash"
	"github.com/hdphone/hdphone/device/model"
)

// Phone is what the screen application uses of a phone: its state and
// events, and the intents its keys and menus ask for. ForDevice adapts a
// *device.Phone; ui/uitest has a scriptable fake.
type Phone interface {
	Snapshot() device.State
	Subscribe(buf int) (<-chan device.Event, func())
	Model() *model.Model
	Clock() clock.Clock
	// LocalTime is the phone's wall-clock time (NTP time in its zone, with
	// daylight saving) for the idle screen.
	LocalTime() time.Time
	// CallHistory lists one call log (missed, received, dialed), newest
	// first.
	CallHistory(kind flash.CallKind) ([]flash.Call, error)

	Hook(ctx context.Context, off bool) error
	Speaker(ctx context.Context) error
	Headset(ctx context.Context) error
	Key(ctx context.Context, key byte) error
	Dial(ctx context.Context, number string) (string, error)
	Answer(ctx context.Context, id string) error
	Reject(ctx context.Context, id string) error
	Hangup(ctx context.Context, id string) error
	Hold(ctx context.Context, id string) error
	Resume(ctx context.Context, id string) error
	Mute(ctx context.Context, on bool) error
	Transfer(ctx context.Context, id, target string, kind device.TransferKind) error
	TransferKey(ctx context.Context, id, target string) error
	CompleteTransfer(ctx context.Context) error
	SetDND(ctx context.Context, on bool) error
	SetForward(ctx context.Context, target string) error
	Page(ctx context.Context, keyIndex int) error
	EndPage(ctx context.Context) error
	AcceptPage(ctx context.Context, accept bool) error
	DiscreetCall(ctx context.Context, keyIndex int) error
	Conference(ctx context.Context) error
	ApplyConfig(ctx context.Context, source string, data []byte) ([]config.Issue, bool, error)
	Reboot(ctx context.Context, reason string) error
	FactoryReset(ctx context.Context) error
}

// ForDevice adapts a *device.Phone to Phone. Intents the phone does not
// have (yet) are filled in: DND and call forward through ApplyConfig with
// the line's settings, the local time from the phone's clock, and the rest
// as ErrNotAvailable.
func ForDevice(p *device.Phone) Phone { return devicePhone{p} }

type devicePhone struct{ *device.Phone }

func (d devicePhone) CallHistory(kind flash.CallKind) ([]flash.Call, error) {
	return d.Flash().History().List(kind)
}

// The methods below are looked up at run time, so that the adapter builds
// against a device package that does not have them yet.

func (d devicePhone) LocalTime() time.Time {
	if x, ok := any(d.Phone).(interface{ LocalTime() time.Time }); ok {
		return x.LocalTime()
	}
	return d.Clock().Now()
}

func (d devicePhone) SetDND(ctx context.Context, on bool) error {
	if x, ok := any(d.Phone).(interface {
		SetDND(context.Context, bool) error
	}); ok {
		return x.SetDND(ctx, on)
	}
	_, _, err := d.ApplyConfig(ctx, "dnd", []byte(fmt.Sprintf("voip/line/0/do_not_disturb/activated=%s\n", bool01(on))))
	return err
}

func (d devicePhone) SetForward(ctx context.Context, target string) error {
	if x, ok := any(d.Phone).(interface {
		SetForward(context.Context, string) error
	}); ok {
		return x.SetForward(ctx, target)
	}
	cfg := fmt.Sprintf("voip/line/0/call_forward/active=%s\n", bool01(target != ""))
	if target != "" {
		cfg += "voip/line/0/call_forward/destination=" + target + "\n"
	}
	_, _, err := d.ApplyConfig(ctx, "forward", []byte(cfg))
	return err
}

func (d devicePhone) Page(ctx context.Context, n int) error {
	if x, ok := any(d.Phone).(interface {
		Page(context.Context, int) error
	}); ok {
		return x.Page(ctx, n)
	}
	return fmt.Errorf("%w: paging", ErrNotAvailable)
}

func (d devicePhone) EndPage(ctx context.Context) error {
	if x, ok := any(d.Phone).(interface{ EndPage(context.Context) error }); ok {
		return x.EndPage(ctx)
	}
	return fmt.Errorf("%w: paging", ErrNotAvailable)
}

func (d devicePhone) AcceptPage(ctx context.Context, accept bool) error {
	if x, ok := any(d.Phone).(interface {
		AcceptPage(context.Context, bool) error
	}); ok {
		return x.AcceptPage(ctx, accept)
	}
	return fmt.Errorf("%w: paging", ErrNotAvailable)
}

func (d devicePhone) DiscreetCall(ctx context.Context, n int) error {
	if x, ok := any(d.Phone).(interface {
		DiscreetCall(context.Context, int) error
	}); ok {
		return x.DiscreetCall(ctx, n)
	}
	return fmt.Errorf("%w: discreet call", ErrNotAvailable)
}

func (d devicePhone) Conference(ctx context.Context) error {
	if x, ok := any(d.Phone).(interface{ Conference(context.Context) error }); ok {
		return x.Conference(ctx)
	}
	return fmt.Errorf("%w: local conference", ErrNotAvailable)
}

func bool01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
