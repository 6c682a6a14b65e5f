package ui

import (
	"context"
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
	EHS(ctx context.Context, off bool) error
	Lock(ctx context.Context, on bool) error
	DeleteDigit(ctx context.Context) error
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

// ForDevice adapts a *device.Phone to Phone: the phone has every intent;
// the call logs come from its flash.
func ForDevice(p *device.Phone) Phone { return devicePhone{p} }

type devicePhone struct{ *device.Phone }

var _ Phone = devicePhone{}

func (d devicePhone) CallHistory(kind flash.CallKind) ([]flash.Call, error) {
	return d.Flash().History().List(kind)
}
