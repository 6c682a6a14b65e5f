package tone

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/hdphone/hdphone/media/audio/resample"
	"github.com/hdphone/hdphone/media/audio/wav"
)

// RingNames are the built-in ring tones, as personal_settings/lines/0/
// ring_tone and lync/delegate/boss/{n}/distinRingtone name them.
var RingNames = []string{"Ring01", "Ring02", "Ring03", "Ring04", "Ring05", "Ring06", "Ring07", "Ring08", "Ring09", "Ring10", "Ring11"}

// DefaultRing is the factory ring tone.
const DefaultRing = "Ring01"

const ringLevel = -10 // dBm0 per note

// notes builds a ring melody: frequency/duration pairs (0 Hz = rest), then
// a pause; it repeats.
func notes(pause int, fd ...int) Tone {
	t := Tone{Repeat: true}
	for i := 0; i+1 < len(fd); i += 2 {
		if fd[i] == 0 {
			t.Steps = append(t.Steps, off(fd[i+1]))
			continue
		}
		t.Steps = append(t.Steps, on(float64(fd[i]), 0, ringLevel, fd[i+1]))
	}
	t.Steps = append(t.Steps, off(pause))
	return t
}

// The built-in melodies. Each starts on its own frequency (or pair), so a
// listener (or a test with Level) can tell which one is playing from its
// first note.
var builtinRings = map[string]Tone{
	// Electronic warble, the classic desk-phone ring.
	"Ring01": notes(2000, 1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50,
		1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50,
		1000, 50, 1250, 50, 1000, 50, 1250, 50, 1000, 50, 1250, 50),
	// North American ringing: 440+480 Hz, 2 s on, 4 s off.
	"Ring02": {Repeat: true, Steps: []Step{on(440, 480, ringLevel-3, 2000), off(4000)}},
	// Double ring, as British phones: 400+450 Hz 0.4/0.2/0.4 s, 2 s pause.
	"Ring03": {Repeat: true, Steps: []Step{on(400, 450, ringLevel-3, 400), off(200), on(400, 450, ringLevel-3, 400), off(2000)}},
	// Rising major triad C5 E5 G5.
	"Ring04": notes(1400, 523, 200, 659, 200, 784, 200),
	// Falling triad G5 E5 C5.
	"Ring05": notes(1400, 784, 200, 659, 200, 523, 200),
	// Fast trill.
	"Ring06": notes(1600, 1400, 25, 1800, 25, 1400, 25, 1800, 25, 1400, 25, 1800, 25, 1400, 25, 1800, 25,
		1400, 25, 1800, 25, 1400, 25, 1800, 25, 1400, 25, 1800, 25, 1400, 25, 1800, 25),
	// Ding-dong.
	"Ring07": notes(2000, 660, 500, 550, 700),
	// Four short beeps.
	"Ring08": notes(1200, 1200, 100, 0, 100, 1200, 100, 0, 100, 1200, 100, 0, 100, 1200, 100),
	// D5 F5 A5 F5.
	"Ring09": notes(1400, 587, 150, 698, 150, 880, 150, 698, 150),
	// Slow bell.
	"Ring10": notes(1000, 800, 1000),
	// Triple chirp.
	"Ring11": notes(1500, 2000, 80, 0, 60, 2000, 80, 0, 60, 2000, 80),
}

func init() {
	for name, t := range builtinRings {
		t.Name = name
		builtinRings[name] = t
	}
}

// Ring returns a built-in ring tone (Ring01-Ring11, case-insensitive).
func Ring(name string) (Tone, error) {
	for _, n := range RingNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return builtinRings[n], nil
		}
	}
	return Tone{}, fmt.Errorf("%w: %q", ErrUnknownRing, name)
}

// Clip is an uploaded ring tone: mono PCM at 8 or 16 kHz.
type Clip struct {
	Name string
	Rate int
	PCM  []int16
}

// LoadRingWAV reads an uploaded ring tone. The phone accepts mono WAV files
// in A-law or µ-law at 8 kHz 8-bit, or linear PCM at 16 kHz 16-bit (manual
// §3.3.5.2, Table 3-12); anything else is refused with ErrRingFormat (or a
// wav error for a broken file).
func LoadRingWAV(name string, r io.Reader) (*Clip, error) {
	a, err := wav.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("tone: ring tone %q: %w", name, err)
	}
	ok := a.Channels == 1 && (a.Format == wav.ALaw || a.Format == wav.MuLaw) && a.SampleRate == 8000 && a.BitsPerSample == 8 ||
		a.Channels == 1 && a.Format == wav.PCM && a.SampleRate == 16000 && a.BitsPerSample == 16
	if !ok {
		return nil, fmt.Errorf("%w: %q is %v, %d Hz, %d-bit, %d channel(s); use A-law or µ-law 8 kHz 8-bit or PCM 16 kHz 16-bit mono",
			ErrRingFormat, name, a.Format, a.SampleRate, a.BitsPerSample, a.Channels)
	}
	if len(a.Samples) == 0 {
		return nil, fmt.Errorf("%w: %q has no audio", ErrRingFormat, name)
	}
	return &Clip{Name: name, Rate: a.SampleRate, PCM: a.Samples}, nil
}

// ClipPlayer plays a clip in a loop at a device rate, resampling 8↔16 kHz
// when the clip's rate differs. It is a PCM source; its buffers grow to the
// largest frame once and are reused.
type ClipPlayer struct {
	clip  *Clip
	rate  int
	pos   int
	up    resample.Up
	down  resample.Down
	src   []int16
	out   []int16
	carry int16 // an upsampled sample that did not fit the last frame
	held  bool
}

// NewClipPlayer plays c at rate (8000 or 16000).
func NewClipPlayer(c *Clip, rate int) (*ClipPlayer, error) {
	if rate != 8000 && rate != 16000 {
		return nil, ErrRate
	}
	return &ClipPlayer{clip: c, rate: rate}, nil
}

// SampleRate returns the rate the player produces.
func (p *ClipPlayer) SampleRate() int { return p.rate }

// ReadPCM fills dst with the clip, looping, and returns len(dst).
func (p *ClipPlayer) ReadPCM(dst []int16) (int, error) {
	switch {
	case p.clip.Rate == p.rate:
		p.take(dst)
	case p.clip.Rate < p.rate: // 8 kHz clip on a 16 kHz device
		n := 0
		if p.held && len(dst) > 0 {
			dst[0], p.held, n = p.carry, false, 1
		}
		need := len(dst) - n
		src := grow(&p.src, (need+1)/2)
		p.take(src)
		out := grow(&p.out, 2*len(src))
		p.up.Process(out, src)
		copy(dst[n:], out)
		if len(out) > need {
			p.carry, p.held = out[need], true
		}
	default: // 16 kHz clip on an 8 kHz device
		src := grow(&p.src, 2*len(dst))
		p.take(src)
		p.down.Process(dst, src)
	}
	return len(dst), nil
}

func grow(b *[]int16, n int) []int16 {
	if cap(*b) < n {
		*b = make([]int16, n)
	}
	return (*b)[:n]
}

func (p *ClipPlayer) take(dst []int16) {
	for n := 0; n < len(dst); {
		k := copy(dst[n:], p.clip.PCM[p.pos:])
		n += k
		p.pos = (p.pos + k) % len(p.clip.PCM)
	}
}

// Library holds the ring tones a phone can play: the built-in melodies and
// uploaded clips (provisioning/ring_tone_uri). It is safe for concurrent
// use.
type Library struct {
	mu    sync.Mutex // guards clips
	clips map[string]*Clip
}

// Add stores an uploaded clip under its name, replacing one of the same
// name (a new ring-tone bundle replaces the old without a reboot).
func (l *Library) Add(c *Clip) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clips == nil {
		l.clips = map[string]*Clip{}
	}
	l.clips[clipKey(c.Name)] = c
}

// clipKey is how uploaded names compare: case-insensitive, ".wav" optional.
func clipKey(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".wav")
}

// Names returns the built-in names followed by the uploaded ones.
func (l *Library) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := slices.Clone(RingNames)
	var up []string
	for _, c := range l.clips {
		up = append(up, c.Name)
	}
	slices.Sort(up)
	return append(names, up...)
}

// Player is a PCM source that plays a ring tone.
type Player interface {
	ReadPCM(dst []int16) (int, error)
}

// Player returns a source playing the named ring tone at rate: a built-in
// melody, or an uploaded clip (its name with or without ".wav"). An unknown
// name returns the factory ring tone and ErrUnknownRing, so the phone still
// rings.
func (l *Library) Player(name string, rate int) (Player, error) {
	if t, err := Ring(name); err == nil {
		return NewGenerator(t, rate)
	}
	l.mu.Lock()
	c := l.clips[clipKey(name)]
	l.mu.Unlock()
	if c != nil {
		return NewClipPlayer(c, rate)
	}
	g, err := NewGenerator(builtinRings[DefaultRing], rate)
	if err != nil {
		return nil, err
	}
	return g, fmt.Errorf("%w: %q (playing %s)", ErrUnknownRing, name, DefaultRing)
}
