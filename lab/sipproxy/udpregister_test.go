package sipproxy

import (
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
	if _, ok := r.answers["a"]; ok || len(r.order) != 1 {
		t.Fatalf("after a's time: answers %v, order %d", r.answers, len(r.order))
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
