package fleet_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/hdphone/hdphone/fleet"
)

func mustParse(t testing.TB, src string) *fleet.File {
	t.Helper()
	f, err := fleet.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

func run(t testing.TB, f *fleet.File, opts fleet.Options) *fleet.Report {
	t.Helper()
	fl, err := fleet.New(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := fl.Run(ctx)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

// behaviour: SIP-1
// behaviour: MEDIA-1
func TestPairsCallThroughTheEmbeddedLab(t *testing.T) {
	f := mustParse(t, `
name: small

phones:
  - group: desk
    model: 450HD
    count: 4
scenario:
  - wait: registered
  - {name: call, each: pairs, call: peer}
  - {name: answer, each: pairs, answer: peer}
  - {name: audio, each: pairs, check_audio: peer}
  - {name: hang up, each: pairs, hangup: }
`)
	r := run(t, f, fleet.Options{})
	if r.Failed() {
		var b bytes.Buffer
		r.WriteJSON(&b)
		t.Fatalf("failed: %s\n%s", r.Summary, b.String())
	}
	t.Log(r.Summary)
	var b bytes.Buffer
	r.WriteJSON(&b)
	t.Log(b.String())
}
