package sipinorder_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/internal/sipinorder"
)

// info is an INFO of the dialog callID in the transaction branch.
func info(callID, branch string, seq uint32) *sipgosip.Request {
	req := sipgosip.NewRequest(sipgosip.INFO, sipgosip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"})
	req.AppendHeader(via(branch))
	cid := sipgosip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipgosip.CSeqHeader{SeqNo: seq, MethodName: sipgosip.INFO})
	return req
}

func via(branch string) *sipgosip.ViaHeader {
	return &sipgosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: "127.0.0.1", Port: 5060,
		Params: sipgosip.HeaderParams{{K: "branch", V: sipgosip.RFC3261BranchMagicCookie + branch}}}
}

// handled runs req's handler on a goroutine of its own, as sipgo does: it
// takes its turn, then is done; the channel is closed when it has been.
func handled(l *sipinorder.Requests, req *sipgosip.Request) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Turn(context.Background(), req)
		l.Done(req)
	}()
	return done
}

// handledAfter checks that the request whose handler closes secondDone
// waits, and goes once first has been handled.
func handledAfter(t *testing.T, l *sipinorder.Requests, secondDone <-chan struct{}, first *sipgosip.Request) {
	t.Helper()
	select {
	case <-secondDone:
		t.Fatal("the second request was handled before the first")
	case <-time.After(50 * time.Millisecond):
	}
	<-handled(l, first)
	select {
	case <-secondDone:
	case <-time.After(sipinorder.Wait / 2):
		t.Fatal("the second request still waits once the first was handled")
	}
}

func TestRequestsOfADialogInReadOrder(t *testing.T) {
	var l sipinorder.Requests
	first, second, other := info("d1", "a", 1), info("d1", "b", 2), info("d2", "c", 1)
	for _, r := range []*sipgosip.Request{first, second, other, second} { // second sent again
		l.Read(r)
	}
	if n := l.Len(); n != 3 {
		t.Fatalf("%d requests lined up, want 3 (the one sent again absorbed)", n)
	}
	secondDone := handled(&l, second)
	// Another dialog's request does not wait for the first.
	select {
	case <-handled(&l, other):
	case <-time.After(sipinorder.Wait / 2):
		t.Fatal("a request of another dialog waited")
	}
	handledAfter(t, &l, secondDone, first)
	if n := l.Len(); n != 0 {
		t.Fatalf("%d requests still lined up", n)
	}
}

// A request read but never handled (sipgo could not make its transaction)
// holds the next ones of its dialog no longer than Wait.
func TestRequestNeverHandledHoldsTheLineBriefly(t *testing.T) {
	var l sipinorder.Requests
	lost, next := info("d1", "a", 1), info("d1", "b", 2)
	l.Read(lost)
	l.Read(next)
	start := time.Now()
	select {
	case <-handled(&l, next):
	case <-time.After(10 * sipinorder.Wait):
		t.Fatal("held for good")
	}
	if waited := time.Since(start); waited < sipinorder.Wait/2 {
		t.Fatalf("handled after %s, before the one read first", waited)
	}
}

// sipgo starts a handler's goroutine before its read loop reads the request
// into the line: the handler waits for that, then for the requests read
// before.
func TestRequestHandledBeforeItIsRead(t *testing.T) {
	var l sipinorder.Requests
	first, second := info("d1", "a", 1), info("d1", "b", 2)
	l.Read(first)
	secondDone := handled(&l, second)
	time.Sleep(20 * time.Millisecond)
	l.Read(second)
	handledAfter(t, &l, secondDone, first)
}

// A request taken for one sent again (its transaction's key seen before)
// is handled at once: it is not waited for.
func TestRequestSeenBeforeHandledAtOnce(t *testing.T) {
	var l sipinorder.Requests
	first := info("d1", "a", 1)
	l.Read(first)
	<-handled(&l, first)
	again := info("d1", "a", 1) // the same transaction, read again
	l.Read(again)
	select {
	case <-handled(&l, again):
	case <-time.After(sipinorder.Wait / 2):
		t.Fatal("a request seen before waited to be read")
	}
}

// response is a response of the INVITE transaction branch.
func response(branch string, code int) *sipgosip.Response {
	res := sipgosip.NewResponse(code, "")
	res.AppendHeader(via(branch))
	res.AppendHeader(&sipgosip.CSeqHeader{SeqNo: 1, MethodName: sipgosip.INVITE})
	return res
}

// A transaction's provisional responses come out in the order they were
// read, up to its first final response; none after it, none of another
// transaction, none once forgotten.
func TestProvisionalsInReadOrder(t *testing.T) {
	var r sipinorder.Responses
	key, err := sipgosip.ClientTxKeyMake(response("a", 100))
	if err != nil {
		t.Fatal(err)
	}
	a := r.Expect(key)
	for _, res := range []*sipgosip.Response{response("a", 100), response("b", 180), response("a", 180), response("a", 183)} {
		r.Read(res)
	}
	select {
	case <-a.More():
	default:
		t.Fatal("not signalled")
	}
	if got := codes(a.Provisionals()); got != "100 180 183" {
		t.Fatalf("provisionals %q, want 100 180 183", got)
	}
	r.Read(response("a", 180))
	r.Read(response("a", 200))
	r.Read(response("a", 183)) // late: after the final
	if got := codes(a.Provisionals()); got != "180" {
		t.Fatalf("provisionals %q, want 180 (read before the 200)", got)
	}
	r.Read(response("a", 180))
	if got := codes(a.Provisionals()); got != "" {
		t.Fatalf("after the final: %q", got)
	}
	b := r.Expect(key)
	r.Forget(key)
	r.Read(response("a", 180))
	if got := codes(b.Provisionals()); got != "" {
		t.Fatalf("once forgotten: %q", got)
	}
}

func codes(list []*sipgosip.Response) string {
	s := ""
	for i, res := range list {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprint(res.StatusCode)
	}
	return s
}
