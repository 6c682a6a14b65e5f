package ui

import (
	"testing"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

// BenchmarkRender draws whole screens: the idle screen with key labels and
// the in-call screen, per model.
func BenchmarkRender(b *testing.B) {
	for _, m := range []*model.Model{model.MustLookup(model.M445HD), model.MustLookup(model.M450HD)} {
		idle := baseView(b, m, keyConfig(m)...)
		call := baseView(b, m)
		call.State.Calls = []device.Call{{ID: "c1", State: device.CallConnected, Number: "1002", Answered: t0, Codec: "PCMU"}}
		for _, c := range []struct {
			name string
			v    view
		}{{"idle", idle}, {"call", call}} {
			b.Run(string(m.Name)+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					render(c.v)
				}
			})
		}
	}
}

// BenchmarkLEDs computes every LED of a 450HD with an expansion module.
func BenchmarkLEDs(b *testing.B) {
	m := model.MustLookup(model.M450HD)
	v := baseView(b, m, keyConfig(m)...)
	leds := m.FaceplateLEDs()
	b.ReportAllocs()
	for b.Loop() {
		ledStates(v, leds)
	}
}

// BenchmarkSoftkeys computes the in-call softkey row with programmable
// in-call softkeys.
func BenchmarkSoftkeys(b *testing.B) {
	v := baseView(b, model.MustLookup(model.M450HD), "personal_settings/soft_keys/ongoing_call/0/key_function=PAGING")
	v.State.Calls = []device.Call{{ID: "c1", State: device.CallConnected, Number: "1002", Answered: t0}}
	b.ReportAllocs()
	for b.Loop() {
		visibleSoftkeys(v)
	}
}
