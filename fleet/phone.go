package fleet

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/media"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/tone"
)

// Phone is one phone of a running fleet: the emulated device, its identity
// from the fleet file, and what its calls heard.
type Phone struct {
	Spec   PhoneSpec
	Addr   netip.Addr
	Device *device.Phone

	// Screen is the phone's screen application on an in-memory board, nil
	// when the fleet runs without screens.
	Screen Screen

	mu sync.Mutex // guards the fields below
	// heard keeps the last recordings by call ID (a few calls' worth).
	heard     map[string]*audio.Recorder
	heardLRU  []string
	failedAt  string // the first step the phone failed, "" if none
	booted    time.Duration
	bootedSet bool
}

// heardCalls bounds how many calls' recordings a phone keeps.
const heardCalls = 4

// recordSeconds is how much of each call a recorder keeps.
const recordSeconds = 1

// toneLevel is the level (dBm0) of the tone each phone sends.
const toneLevel = -10

// ID returns the phone's fleet ID (desk-3).
func (p *Phone) ID() string { return p.Spec.ID }

// audioFor gives a call the phone's tone as microphone and a recorder as
// speaker.
func (p *Phone) audioFor(c device.Call) (media.Source, media.Sink) {
	src, err := audio.NewToneSource(device.AudioRate)
	if err == nil {
		err = src.Play(tone.Tone{Name: "fleet", Steps: []tone.Step{{Freq: [2]float64{p.Spec.Tone}, Level: [2]float64{toneLevel}}}})
	}
	rec := &audio.Recorder{Rate: device.AudioRate, Limit: recordSeconds * device.AudioRate}
	p.mu.Lock()
	if p.heard == nil {
		p.heard = map[string]*audio.Recorder{}
	}
	if _, ok := p.heard[c.ID]; !ok {
		p.heardLRU = append(p.heardLRU, c.ID)
		if len(p.heardLRU) > heardCalls {
			delete(p.heard, p.heardLRU[0])
			p.heardLRU = p.heardLRU[1:]
		}
	}
	p.heard[c.ID] = rec
	p.mu.Unlock()
	if err != nil {
		return nil, rec
	}
	return src, rec
}

// Heard returns the level in dBm0 at which the last quarter of a second of
// call id holds a tone of freq Hz, and how many samples were recorded (0:
// nothing was received).
func (p *Phone) Heard(id string, freq float64) (level float64, samples int) {
	p.mu.Lock()
	rec := p.heard[id]
	p.mu.Unlock()
	if rec == nil {
		return tone.Level(nil, device.AudioRate, freq), 0
	}
	pcm := rec.Samples()
	n := len(pcm)
	if win := device.AudioRate / 4; len(pcm) > win {
		pcm = pcm[len(pcm)-win:]
	}
	return tone.Level(pcm, device.AudioRate, freq), n
}

func (p *Phone) markFailed(step string) {
	p.mu.Lock()
	if p.failedAt == "" {
		p.failedAt = step
	}
	p.mu.Unlock()
}

// FailedAt returns the first step the phone failed ("" if none).
func (p *Phone) FailedAt() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failedAt
}

func (p *Phone) setBooted(d time.Duration) {
	p.mu.Lock()
	p.booted, p.bootedSet = d, true
	p.mu.Unlock()
}

// BootTime returns how long the phone took from power-on to the idle
// screen, and whether it got there.
func (p *Phone) BootTime() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.booted, p.bootedSet
}
