package media

import (
	"sort"
	"testing"
	"time"
)

// jbRun drives a jitter buffer with 20 ms packets arriving at the given
// offsets (nil: lost) and plays one 20 ms frame every 20 ms. It returns the
// steps in order and the sequence numbers played.
func jbRun(arrivals []*time.Duration, frames int, jitter time.Duration) (steps []playoutStep, played []uint64, j *jitterBuffer) {
	j = &jitterBuffer{}
	j.init(40*time.Millisecond, 300*time.Millisecond)
	t0 := time.Unix(1000, 0)
	type arr struct {
		at  time.Time
		seq uint64
	}
	var queue []arr
	for i, a := range arrivals {
		if a != nil {
			queue = append(queue, arr{t0.Add(time.Duration(i)*20*time.Millisecond + *a), uint64(i)})
		}
	}
	sort.Slice(queue, func(a, b int) bool { return queue[a].at.Before(queue[b].at) })
	for f := range frames {
		now := t0.Add(time.Duration(f) * 20 * time.Millisecond)
		for len(queue) > 0 && !queue[0].at.After(now) {
			q := queue[0]
			queue = queue[1:]
			j.push(q.seq, uint32(q.seq*160), 0, kindAudio, q.seq == 0, []byte{1}, q.at)
		}
		j.setJitter(jitter)
		step, pkt := j.nextStep(now, playFrame)
		steps = append(steps, step)
		if step == stepPacket {
			played = append(played, pkt.seq)
			j.played(pkt, 20*time.Millisecond)
		}
	}
	return steps, played, j
}

func at(d time.Duration) *time.Duration { return &d }

func onTime(n int) []*time.Duration {
	a := make([]*time.Duration, n)
	for i := range a {
		a[i] = at(0)
	}
	return a
}

func count(steps []playoutStep, s playoutStep) int {
	n := 0
	for _, x := range steps {
		if x == s {
			n++
		}
	}
	return n
}

func TestJitterBufferPlaysInOrderAfterPrefetch(t *testing.T) {
	steps, played, j := jbRun(onTime(50), 50, 0)
	// Prefetch: playing starts when 40 ms are buffered.
	if steps[0] != stepSilence || steps[1] != stepPacket {
		t.Errorf("first steps %v, want silence while buffering, then packets", steps[:3])
	}
	for i, seq := range played {
		if seq != uint64(i) {
			t.Fatalf("played %v, want 0,1,2,...", played)
		}
	}
	if count(steps, stepConceal) != 0 || j.late != 0 {
		t.Errorf("clean stream: %d concealed, %d late", count(steps, stepConceal), j.late)
	}
}

func TestJitterBufferConcealsLoss(t *testing.T) {
	arr := onTime(50)
	arr[20], arr[21], arr[30] = nil, nil, nil
	steps, played, j := jbRun(arr, 51, 0)
	// 20 and 21 leave the buffer empty (an underrun concealed at once), 30
	// is a gap with later packets behind it.
	if n := count(steps, stepConceal) + count(steps, stepUnderrun); n != 3 {
		t.Errorf("concealed %d packet times, want 3: %v", n, steps)
	}
	for _, seq := range played {
		if seq == 20 || seq == 21 || seq == 30 {
			t.Errorf("lost packet %d played", seq)
		}
	}
	if bd, _, _, _ := j.bg.metrics(); bd == 0 {
		t.Error("the two-packet loss is not a burst")
	}
}

func TestJitterBufferDiscardsLatePackets(t *testing.T) {
	arr := onTime(50)
	arr[25] = at(200 * time.Millisecond) // far too late for a 40 ms buffer
	steps, _, j := jbRun(arr, 55, 0)
	if j.late != 1 || count(steps, stepConceal) != 1 {
		t.Errorf("late %d concealed %d, want the late packet discarded and concealed", j.late, count(steps, stepConceal))
	}
}

func TestJitterBufferAdaptsToJitter(t *testing.T) {
	// Packets arrive up to 60 ms late; with the measured jitter the target
	// grows and nothing is discarded.
	arr := make([]*time.Duration, 200)
	for i := range arr {
		arr[i] = at(time.Duration(i%4) * 20 * time.Millisecond)
	}
	_, _, j := jbRun(arr, 200, 25*time.Millisecond)
	if j.target < 90*time.Millisecond {
		t.Errorf("target %v for 25 ms jitter, want ptime + 3 x jitter = 95 ms", j.target)
	}
	if j.late > 2 {
		t.Errorf("%d packets late with an adapted buffer", j.late)
	}
}

func TestJitterBufferUnderrunRefills(t *testing.T) {
	// A 200 ms stall, then everything at once: the buffer conceals a little,
	// then waits silently, and plays the delayed packets (nothing lost).
	arr := onTime(60)
	for i := 20; i < 30; i++ {
		arr[i] = at(time.Duration(30-i) * 20 * time.Millisecond)
	}
	steps, played, j := jbRun(arr, 70, 0)
	if n := count(steps, stepUnderrun); n == 0 || n > concealFrames {
		t.Errorf("underrun concealment %d frames, want 1-%d", n, concealFrames)
	}
	if count(steps, stepConceal) != 0 || j.late != 0 {
		t.Errorf("stall made losses: %d concealed, %d late", count(steps, stepConceal), j.late)
	}
	for i := 1; i < len(played); i++ {
		if played[i] != played[i-1]+1 {
			t.Fatalf("played out of order: %v", played)
		}
	}
}

func TestJitterBufferShrinks(t *testing.T) {
	// Ten packets arrive in a burst at the start, then the stream runs on
	// time: the buffer holds too much and drops to get back to its target.
	arr := onTime(150)
	for i := 0; i < 10; i++ {
		arr[i] = at(-time.Duration(i) * 20 * time.Millisecond)
	}
	for i := 10; i < 150; i++ {
		arr[i] = at(-200 * time.Millisecond)
	}
	_, _, j := jbRun(arr, 150, 0)
	if j.shrinkDrop == 0 {
		t.Error("buffer never shrank")
	}
	if j.buffered() > j.target+shrinkSlack+20*time.Millisecond {
		t.Errorf("still holding %v for a %v target", j.buffered(), j.target)
	}
}

func TestJitterBufferDuplicatesAndJumps(t *testing.T) {
	var j jitterBuffer
	j.init(0, 0)
	now := time.Unix(0, 0)
	if r := j.push(5, 0, 0, kindAudio, false, []byte{1}, now); r != pushStored {
		t.Fatalf("first push %v", r)
	}
	if r := j.push(5, 0, 0, kindAudio, false, []byte{1}, now); r != pushDuplicate {
		t.Errorf("duplicate push %v", r)
	}
	if r := j.push(5000, 0, 0, kindAudio, false, []byte{1}, now); r != pushReset {
		t.Errorf("far jump %v, want a reset rather than a stall", r)
	}
	if o, _ := j.oldest(); o != 5000 || j.count != 1 {
		t.Errorf("after reset: oldest %d count %d", o, j.count)
	}
}
