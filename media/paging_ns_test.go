//go:build linux

package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/media/audio"
	"github.com/hdphone/hdphone/media/mediatest"
)

// TestPagingAcrossNamespaces pages over a veth link: a phone in one
// namespace pages group A; two phones in the other namespace listening to A
// (joined on their veth address) and one on the sender's own host hear it,
// while a phone listening to group B on the same port hears nothing.
//
// behaviour: PAGE-1
// behaviour: PAGE-2
// behaviour: PAGE-5
func TestPagingAcrossNamespaces(t *testing.T) {
	t.Parallel()
	testpeer.NeedRoot(t)
	sender := testpeer.Netns(t, "pgs")
	desks := testpeer.Netns(t, "pgr")
	testpeer.Veth(t, sender, "eth0", "10.77.0.1/24", desks, "eth0", "10.77.0.2/24", "00:90:8f:00:77:02")
	senderIP, deskIP := netip.MustParseAddr("10.77.0.1"), netip.MustParseAddr("10.77.0.2")
	groupA := netip.MustParseAddrPort("224.0.1.0:8888")
	groupB := netip.MustParseAddrPort("224.0.1.7:8888")

	e := startEngine(t, Config{})
	type member struct {
		name string
		l    *PageListener
		rec  *audio.Recorder
	}
	listen := func(ns *testpeer.NS, name string, g netip.AddrPort, ifAddr netip.Addr) member {
		m := member{name: name, rec: &audio.Recorder{}}
		if err := ns.Do(func() error {
			var err error
			m.l, err = e.ListenPage(PageListenerConfig{Group: g, Interface: ifAddr, Codecs: registry(), Sink: m.rec})
			return err
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { m.l.Close() })
		return m
	}
	members := []member{
		listen(desks, "desk 1", groupA, deskIP),
		listen(desks, "desk 2", groupA, deskIP),
		listen(sender, "sender's own host", groupA, senderIP),
	}
	other := listen(desks, "group B", groupB, deskIP)

	var pager *Pager
	if err := sender.Do(func() error {
		var err error
		pager, err = e.NewPager(PagerConfig{Group: groupA, Interface: senderIP, Codec: mustCodec(t, "G722"), Source: mediatest.NewSine(700, 8000, 16000)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a second of the page at every member", func() bool {
		for _, m := range members {
			if m.rec.Len() < 16000 {
				return false
			}
		}
		return true
	})
	for _, m := range members {
		heard(t, m.name, m.rec, 16000, 700)
	}
	pager.Close()
	for _, m := range members {
		got := map[EventKind]bool{}
		deadline := time.After(5 * time.Second)
		for !got[EventPageEnd] {
			select {
			case ev := <-m.l.Events():
				got[ev.Kind] = true
				if ev.Kind == EventPageStart && ev.Remote.Addr() != senderIP {
					t.Errorf("%s: page from %v, want %v", m.name, ev.Remote, senderIP)
				}
			case <-deadline:
				t.Fatalf("%s: events %v, want page start and end", m.name, got)
			}
		}
		if !got[EventPageStart] {
			t.Errorf("%s: no page start", m.name)
		}
	}
	if st := other.l.Stats(); st.PacketsReceived != 0 || other.rec.Len() != 0 {
		t.Errorf("group B listener received %d packets and played %d samples", st.PacketsReceived, other.rec.Len())
	}
}
