package device

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/media"
)

// Multicast paging (manual §3.4.17-3.4.18): a PAGING key sends live RTP to its
// group; idle phones listening to the group play it on the speaker with the
// group's name shown; a phone in a call plays it at once with barge-in, or
// asks the user first. A page ends end_income_paging_timeout after its RTP
// stops. The HRS has no paging.

// paging is the call manager's paging state, owned by the Run goroutine.
type paging struct {
	rx []*pageRx
	tx *pageTx
	// heldForPage is the call a page put on hold.
	heldForPage *callRec
}

type pageRx struct {
	group media.PagingGroup
	l     *media.PageListener
	gate  *gateSink
	on    bool // a page is arriving
}

type pageTx struct {
	key   int
	pager *media.Pager
}

// gateSink plays a page only while open (an unanswered page in a call stays
// silent).
type gateSink struct {
	open atomic.Bool
	sink media.Sink
}

func (g *gateSink) WritePCM(pcm []int16) error {
	if g.open.Load() && g.sink != nil {
		return g.sink.WritePCM(pcm)
	}
	return nil
}

// pages reports whether the phone listens to paging groups with pm's
// settings.
func (p *Phone) pages(pm *phoneMedia) bool {
	pg := pm.settings.Paging
	return pg.Enabled && p.cfg.Model.Caps.Paging && len(pg.Groups) > 0
}

// startPaging joins the activated paging groups.
func (p *Phone) startPaging(b *Boot, pm *phoneMedia) error {
	if !p.pages(pm) {
		return nil
	}
	pg := pm.settings.Paging
	for _, g := range pg.Groups {
		rx := &pageRx{group: g, gate: &gateSink{}}
		if p.cfg.Audio != nil {
			_, rx.gate.sink = p.cfg.Audio(Call{ID: "page" + strconv.Itoa(g.Key), Direction: Incoming, Number: g.Name})
		}
		engine, err := pm.get()
		if err != nil {
			return err
		}
		l, err := engine.ListenPage(media.PageListenerConfig{Group: g.Group, Interface: p.cfg.MulticastIf,
			Codecs: pm.registry.Codecs(), EndTimeout: pg.EndTimeout, Sink: rx.gate, AudioRate: AudioRate})
		if err != nil {
			b.Log(fmt.Sprintf("paging group %s (%v) not joined: %v", g.Name, g.Group, err))
			continue
		}
		rx.l = l
		if err := b.do(func(s *state) { s.paging.rx = append(s.paging.rx, rx) }); err != nil {
			l.Close()
			return err
		}
		b.Go("page-listener", func(ctx context.Context) {
			defer l.Close()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-l.Events():
					if !ok {
						return
					}
					p.post(ctx, func(s *state) { p.onPageEvent(s, rx, ev) })
				}
			}
		})
	}
	return nil
}

func (p *Phone) onPageEvent(s *state, rx *pageRx, ev media.Event) {
	switch ev.Kind {
	case media.EventPageStart:
		if rx.on {
			return
		}
		rx.on = true
		pg := Page{Group: rx.group.Key, Name: rx.group.Name, Address: rx.group.Group.String(), Started: p.clk.Now()}
		switch {
		case !s.calls.busy():
			p.playPage(s, rx)
		case s.Config.Bool("voip/services/group_paging/allow_barge_in/enabled"):
			p.holdForPage(s)
			p.playPage(s, rx)
		default:
			pg.Pending = true // the user is asked (AcceptPage)
		}
		pg.Accepted = rx.gate.open.Load()
		s.Pages = append(s.Pages, pg)
		p.emit(Event{Kind: EventPage, Stage: s.Stage, Text: fmt.Sprintf("page from %s (%s) started", rx.group.Name, rx.group.Group)})
	case media.EventPageEnd:
		if !rx.on {
			return
		}
		rx.on = false
		rx.gate.open.Store(false)
		s.Pages = slices.DeleteFunc(slices.Clone(s.Pages), func(pg Page) bool { return !pg.Sending && pg.Group == rx.group.Key })
		if s.calls.audio == AudioSpeaker && !s.calls.busy() {
			s.calls.audio = AudioNone
		}
		p.emit(Event{Kind: EventPage, Stage: s.Stage, Text: fmt.Sprintf("page from %s ended", rx.group.Name)})
		p.syncCalls(s)
	}
}

func (p *Phone) playPage(s *state, rx *pageRx) {
	rx.gate.open.Store(true)
	if s.calls.audio == AudioNone {
		s.calls.audio = AudioSpeaker
	}
	p.syncCalls(s)
}

func (p *Phone) holdForPage(s *state) {
	if r := s.calls.byState(CallConnected); r != nil {
		p.holdLocked(s, r)
		s.paging.heldForPage = r
	}
}

// AcceptPage answers the question a page asks during a call (no barge-in):
// accept holds the call and plays the page; refuse leaves the page silent.
func (p *Phone) AcceptPage(ctx context.Context, accept bool) error {
	return p.intent(ctx, func(s *state) error {
		i := slices.IndexFunc(s.Pages, func(pg Page) bool { return pg.Pending })
		if i < 0 {
			return fmt.Errorf("%w: no page waiting for an answer", ErrBadIntent)
		}
		pages := slices.Clone(s.Pages)
		pg := &pages[i]
		pg.Pending = false
		if accept {
			for _, rx := range s.paging.rx {
				if rx.group.Key == pg.Group {
					p.holdForPage(s)
					p.playPage(s, rx)
				}
			}
			pg.Accepted = true
		} else {
			pages = slices.Delete(pages, i, i+1)
		}
		s.Pages = pages
		p.emit(Event{Kind: EventPage, Stage: s.Stage, Text: fmt.Sprintf("page accepted=%v", accept)})
		return nil
	})
}

// Page sends a page on PAGING key n (until EndPage). A key whose group is not
// activated (group/{n}/activated=0) dials its speed-dial number instead.
func (p *Phone) Page(ctx context.Context, n int) error {
	var dial string
	err := p.intent(ctx, func(s *state) error {
		if !p.cfg.Model.Caps.Paging {
			return fmt.Errorf("%w: the %s has no paging", ErrBadIntent, p.cfg.Model.Name)
		}
		if t := keyType(s, n); t != "PAGING" {
			return fmt.Errorf("%w: key %d is %s, not a paging key", ErrBadIntent, n, t)
		}
		if s.media == nil || !s.media.settings.Paging.Enabled {
			return fmt.Errorf("%w: paging is disabled (voip/services/group_paging/enabled)", ErrBadIntent)
		}
		var group *media.PagingGroup
		for i, g := range s.media.settings.Paging.Groups {
			if g.Key == n {
				group = &s.media.settings.Paging.Groups[i]
			}
		}
		if group == nil {
			dial = s.Config.Get(config.IndexedKey(keyFKNumber, n))
			return nil
		}
		if s.paging.tx != nil {
			return fmt.Errorf("%w: a page is already being sent", ErrBadIntent)
		}
		c, err := s.media.settings.PagingCodec(s.media.registry)
		if err != nil {
			return fmt.Errorf("device: paging codec: %w", err)
		}
		var src media.Source
		if p.cfg.Audio != nil {
			src, _ = p.cfg.Audio(Call{ID: "page-out" + strconv.Itoa(n), Direction: Outgoing, Number: group.Name})
		}
		iface := p.cfg.MulticastIf
		engine, err := s.media.get()
		if err != nil {
			return err
		}
		pager, err := engine.NewPager(media.PagerConfig{Group: group.Group, Interface: iface, Codec: c,
			Source: src, AudioRate: AudioRate})
		if err != nil {
			return fmt.Errorf("device: page: %w", err)
		}
		s.paging.tx = &pageTx{key: n, pager: pager}
		s.Pages = append(slices.Clone(s.Pages), Page{Group: n, Name: group.Name, Address: group.Group.String(),
			Sending: true, Started: p.clk.Now()})
		p.emit(Event{Kind: EventPage, Stage: s.Stage, Text: fmt.Sprintf("paging %s (%s)", group.Name, group.Group)})
		return nil
	})
	if err == nil && dial != "" {
		_, err = p.Dial(ctx, dial)
	}
	return err
}

// EndPage stops the page this phone is sending.
func (p *Phone) EndPage(ctx context.Context) error {
	return p.intent(ctx, func(s *state) error {
		if s.paging.tx == nil {
			return fmt.Errorf("%w: not paging", ErrBadIntent)
		}
		s.paging.tx.pager.Close()
		s.paging.tx = nil
		s.Pages = slices.DeleteFunc(slices.Clone(s.Pages), func(pg Page) bool { return pg.Sending })
		p.emit(Event{Kind: EventPage, Stage: s.Stage, Text: "paging ended"})
		return nil
	})
}
