package sip

import (
	"net/netip"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// info is an INFO of the dialog callID in the transaction branch.
func info(callID, branch string, seq uint32) *sipgosip.Request {
	req := sipgosip.NewRequest(sipgosip.INFO, sipgosip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"})
	req.AppendHeader(&sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: "127.0.0.1", Port: 5060,
		Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.RFC3261BranchMagicCookie + branch}}})
	cid := sipgosip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipgosip.CSeqHeader{SeqNo: seq, MethodName: sipgosip.INFO})
	return req
}

func lineUA(t *testing.T) *UA {
	u, err := New(Config{User: "1001", Domain: "127.0.0.1", LocalAddr: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// routed runs inOrder for req on a goroutine of its own and closes the
// channel it returns once req was routed.
func routed(u *UA, req *sipgosip.Request) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.inOrder(req, nil) // no transaction: route's checks drop it
	}()
	return done
}

func TestRequestsOfADialogRoutedInReadOrder(t *testing.T) {
	u := lineUA(t)
	first, second, other := info("d1", "a", 1), info("d1", "b", 2), info("d2", "c", 1)
	for _, r := range []*sipgosip.Request{first, second, other, second} { // second sent again
		u.lineUp(r)
	}
	if n := len(u.requests.waiting); n != 3 {
		t.Fatalf("%d requests lined up, want 3 (the one sent again absorbed)", n)
	}
	secondDone := routed(u, second)
	// Another dialog's request does not wait for the first.
	select {
	case <-routed(u, other):
	case <-time.After(lineWait / 2):
		t.Fatal("a request of another dialog waited")
	}
	select {
	case <-secondDone:
		t.Fatal("the second request was routed before the first")
	case <-time.After(50 * time.Millisecond):
	}
	<-routed(u, first)
	select {
	case <-secondDone:
	case <-time.After(lineWait / 2):
		t.Fatal("the second request still waits once the first was routed")
	}
	if n := len(u.requests.waiting); n != 0 {
		t.Fatalf("%d requests still lined up", n)
	}
}

// A request read but never routed (sipgo could not make its transaction)
// holds the next ones of its dialog no longer than lineWait.
func TestRequestNeverRoutedHoldsTheLineBriefly(t *testing.T) {
	u := lineUA(t)
	lost, next := info("d1", "a", 1), info("d1", "b", 2)
	u.lineUp(lost)
	u.lineUp(next)
	start := time.Now()
	select {
	case <-routed(u, next):
	case <-time.After(10 * lineWait):
		t.Fatal("held for good")
	}
	if waited := time.Since(start); waited < lineWait/2 {
		t.Fatalf("routed after %s, before the one read first", waited)
	}
}

// sipgo starts route's goroutine before its read loop lines the request up:
// route waits for that, then for the requests read before.
func TestRequestRoutedBeforeItIsLinedUp(t *testing.T) {
	u := lineUA(t)
	first, second := info("d1", "a", 1), info("d1", "b", 2)
	u.lineUp(first)
	secondDone := routed(u, second)
	time.Sleep(20 * time.Millisecond)
	u.lineUp(second)
	select {
	case <-secondDone:
		t.Fatal("the second request was routed before the first")
	case <-time.After(50 * time.Millisecond):
	}
	<-routed(u, first)
	select {
	case <-secondDone:
	case <-time.After(lineWait / 2):
		t.Fatal("the second request still waits once the first was routed")
	}
}

// A request taken for one sent again (its transaction's key seen before)
// is routed at once when it reaches route: it is not waited for.
func TestRequestSeenBeforeRoutedAtOnce(t *testing.T) {
	u := lineUA(t)
	first := info("d1", "a", 1)
	u.lineUp(first)
	<-routed(u, first)
	again := info("d1", "a", 1) // the same transaction, read again
	u.lineUp(again)
	select {
	case <-routed(u, again):
	case <-time.After(lineWait / 2):
		t.Fatal("a request seen before waited to be lined up")
	}
}
