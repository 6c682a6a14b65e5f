package provisioning

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/provisioning/fetch"
)

// behaviour: PROV-7
func TestKeepAlive(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	var uas []string
	down := false
	dm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != KeepAlivePath || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		bodies = append(bodies, m)
		uas = append(uas, r.UserAgent())
		if down {
			http.Error(w, "maintenance", 503)
		}
	}))
	defer dm.Close()

	c := settings(t, "ems_server/provisioning/url", dm.URL, "ems_server/user_name", "John Smith",
		"ems_server/user_password", "pw", "ems_server/keep_alive_period", "5")
	k, ok := KeepAliveFrom(c)
	if !ok || k.Period != 5*time.Minute {
		t.Fatalf("%+v %v", k, ok)
	}
	ua := "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1"
	hc, _ := fetch.New(fetch.Config{UserAgent: ua})
	fake := clocktest.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	status := "started"
	links := make(chan bool, 8)
	k.HTTP, k.Clock = hc, fake
	k.Status = func() Status {
		return Status{MAC: "00908f000001", IP: "10.0.0.11", Model: "450HD", FWVersion: "UC_3.4.8.808", UserAgent: ua, Status: status}
	}
	k.OnLink = func(up bool) { links <- up }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- k.Run(ctx) }()

	if up := <-links; !up || !k.Up() {
		t.Fatal("first keep-alive did not bring the link up")
	}
	next := func() {
		for fake.Pending() == 0 {
			time.Sleep(time.Millisecond)
		}
		d, _ := fake.NextDeadline()
		if got := d.Sub(fake.Now()); got != 5*time.Minute {
			t.Fatalf("next keep-alive in %v", got)
		}
		fake.Set(d)
	}
	mu.Lock()
	down = true
	mu.Unlock()
	status = "registered"
	next()
	if up := <-links; up || k.Up() {
		t.Fatal("an unanswered keep-alive left the link up")
	}
	mu.Lock()
	down = false
	mu.Unlock()
	next()
	if up := <-links; !up {
		t.Fatal("link did not come back")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 {
		t.Fatalf("%d keep-alives", len(bodies))
	}
	first := bodies[0]
	for k, want := range map[string]any{"mac": "00908f000001", "ip": "10.0.0.11", "model": "450HD", "fwVersion": "UC_3.4.8.808",
		"status": "started", "emsUserName": "John Smith", "emsUserPassword": "pw", "userAgent": ua} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v", k, first[k], want)
		}
	}
	if bodies[1]["status"] != "registered" || uas[0] != ua {
		t.Errorf("second status %v, UA %q", bodies[1]["status"], uas[0])
	}
}

func TestKeepAliveToNobody(t *testing.T) {
	hc, _ := fetch.New(fetch.Config{Timeout: time.Second})
	k := &KeepAlive{URL: "http://127.0.0.1:1", HTTP: hc, Status: func() Status { return Status{} }}
	if err := k.Send(context.Background()); err == nil || k.Up() {
		t.Fatalf("%v %v", err, k.Up())
	}
	if _, ok := KeepAliveFrom(settings(t)); ok {
		t.Fatal("a Device Manager without ems_server/provisioning/url")
	}
}
