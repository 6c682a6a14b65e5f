package testpeer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Capture is a packet capture by tshark (Wireshark's dissectors: an
// independent decoder of what our code put on the wire).
type Capture struct {
	*Process
	File string
	bin  string
}

// StartCapture captures on iface inside the namespace ns (nil: the test's
// own namespace) with a capture filter such as "udp", and waits until tshark
// is capturing.
func StartCapture(t testing.TB, ns *NS, iface, filter string) *Capture {
	t.Helper()
	NeedRoot(t)
	bin := Need(t, "tshark")[0]
	dir := t.TempDir()
	file := filepath.Join(dir, "capture.pcapng")
	argv := []string{bin, "-n", "-q", "-i", iface, "-f", filter, "-w", file}
	var cmd *exec.Cmd
	if ns != nil {
		cmd = ns.Command(argv...)
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	p := StartCmd(t, "tshark", dir, cmd)
	if err := p.WaitOutput("Capturing on", 15*time.Second); err != nil {
		t.Fatal(err)
	}
	return &Capture{Process: p, File: file, bin: bin}
}

// Stop ends the capture and waits until the file is complete.
func (c *Capture) Stop(t testing.TB) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let the last packets reach the file
	c.Process.Stop()
	if st, err := os.Stat(c.File); err != nil || st.Size() == 0 {
		t.Fatalf("tshark wrote no capture: %v\n%s", err, c.Output())
	}
}

// Fields decodes the capture and returns one row per packet matching the
// display filter, with the fields asked for (multiple occurrences joined by
// ","). decodeAs are tshark -d rules such as "udp.port==4000,rtp".
func (c *Capture) Fields(t testing.TB, decodeAs []string, display string, fields ...string) [][]string {
	t.Helper()
	args := []string{"-n", "-r", c.File, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, d := range decodeAs {
		args = append(args, "-d", d)
	}
	if display != "" {
		args = append(args, "-Y", display)
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.bin, args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}
