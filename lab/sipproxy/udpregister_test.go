package sipproxy

import (
	"strconv"
	"testing"
	"time"
)

// Answers are kept for Timer J and then forgotten, oldest first, so that a
// storm's answers do not pile up.
func TestUDPAnswersExpire(t *testing.T) {
	now := time.Unix(1000, 0)
	r := &udpRegistrar{now: func() time.Time { return now }, answers: map[string]*udpAnswer{}}
	keep := func(branch string) {
		a := &udpAnswer{branch: branch, until: now.Add(answerKeep)}
		r.answers[branch] = a
		r.order = append(r.order, a)
	}
	keep("a")
	now = now.Add(10 * time.Second)
	keep("b")
	now = now.Add(answerKeep - 5*time.Second) // a's time is over, b's is not
	r.expire(now)
	if _, ok := r.answers["a"]; ok || len(r.order)-r.head != 1 {
		t.Fatalf("after a's time: answers %v, order %d", r.answers, len(r.order)-r.head)
	}
	if _, ok := r.answers["b"]; !ok {
		t.Fatal("b forgotten before its time")
	}
	now = now.Add(10 * time.Second)
	r.expire(now)
	if len(r.answers) != 0 || len(r.order) != 0 {
		t.Fatalf("after b's time: answers %v, order %d", r.answers, len(r.order))
	}
}

// In a steady stream of registrations, where one answer expires at each new
// one, an answer is moved a bounded number of times (the whole slice was
// copied at each expiry: a lab serving thousands of phones spent its time
// there).
func TestUDPAnswersExpireInBoundedWork(t *testing.T) {
	now := time.Unix(1000, 0)
	r := &udpRegistrar{now: func() time.Time { return now }, answers: map[string]*udpAnswer{}}
	const live = 1000
	moves := 0
	for i := range 20 * live {
		now = now.Add(answerKeep / live)
		before := len(r.order)
		r.expire(now)
		if len(r.order) < before { // compacted: what was left moved
			moves += len(r.order)
		}
		a := &udpAnswer{branch: strconv.Itoa(i), until: now.Add(answerKeep)}
		r.answers[a.branch] = a
		r.order = append(r.order, a)
	}
	if len(r.answers) > live+1 {
		t.Fatalf("%d answers kept, %d live", len(r.answers), live)
	}
	if moves > 4*20*live {
		t.Fatalf("%d answers moved for %d added", moves, 20*live)
	}
}
