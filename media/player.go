package media

import (
	"fmt"
	"sync"
	"time"
)

// Player plays a Source into a Sink in 20 ms frames on the engine's
// pacer, with no network behind it: the sounds a phone makes on its own
// (dial tone, ringback) through the audio device a call would use.
type Player struct {
	e     *Engine
	src   Source
	sink  Sink
	frame []int16
	phase uint64

	mu     sync.Mutex // guards closed; held while a frame plays
	closed bool
}

// NewPlayer starts playing src into sink at rate (8000 or 16000 samples
// per second) until Close.
func (e *Engine) NewPlayer(src Source, sink Sink, rate int) (*Player, error) {
	if rate != 8000 && rate != 16000 {
		return nil, fmt.Errorf("%w: player rate %d", ErrBadConfig, rate)
	}
	p := &Player{e: e, src: src, sink: sink, frame: make([]int16, rate/50)}
	if err := e.addStream(p, p); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Player) setPhase(phase uint64) { p.phase = phase }

func (p *Player) pace(_ time.Time, tick uint64) {
	if (tick+p.phase)%uint64(frameTicks) != 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	n, err := p.src.ReadPCM(p.frame)
	if err != nil || n < len(p.frame) {
		clear(p.frame[max(n, 0):])
	}
	p.sink.WritePCM(p.frame)
}

// Close stops the player; the sink gets no frame after Close returns.
func (p *Player) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.e.removeStream(p, p)
	return nil
}
