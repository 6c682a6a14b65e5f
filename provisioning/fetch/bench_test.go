package fetch

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/lab/fileserver"
	"github.com/hdphone/hdphone/provisioning/firmware"
)

// benchServers starts the lab server and the real peers serving the same
// 4 MiB image, and returns base URLs by name.
func benchServers(b *testing.B) map[string]string {
	b.Helper()
	payload := make([]byte, 4<<20)
	rand.Read(payload)
	img, err := firmware.Build([]string{"450HD"}, "UC_3.4.9.1", payload)
	if err != nil {
		b.Fatal(err)
	}
	s, err := fileserver.New(fileserver.Config{Files: map[string][]byte{"450HD.img": img}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Listen("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })

	n := testpeer.StartNginx(b, testpeer.NginxOptions{})
	td := testpeer.StartTFTPD(b)
	for _, root := range []string{n.Root, td.Root} {
		if err := os.WriteFile(filepath.Join(root, "450HD.img"), img, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return map[string]string{
		"lab-http":  s.URL("http") + "/450HD.img",
		"nginx":     "http://" + n.HTTP + "/450HD.img",
		"lab-tftp":  s.URL("tftp") + "/450HD.img",
		"tftpd-hpa": "tftp://" + td.Addr + "/450HD.img",
	}
}

// BenchmarkHeaderCheck reads firmware headers from the lab server and from
// the real peer of the same protocol, alternating, and reports each one's
// checks per second and the lab/peer ratio (above 1: the lab is faster).
func BenchmarkHeaderCheck(b *testing.B) {
	urls := benchServers(b)
	c := newClient(b, Config{})
	ctx := context.Background()
	labVsPeer(b, "checks/s", func(b *testing.B, name string) float64 {
		if _, err := ReadHeader(ctx, c, urls[name], firmware.HeaderSize); err != nil {
			b.Fatal(err)
		}
		return 1
	})
}

// BenchmarkDownload downloads the whole 4 MiB image the same way and reports
// MB/s for each server and the lab/peer ratio.
func BenchmarkDownload(b *testing.B) {
	urls := benchServers(b)
	c := newClient(b, Config{})
	ctx := context.Background()
	labVsPeer(b, "MB/s", func(b *testing.B, name string) float64 {
		body, err := c.Open(ctx, urls[name], 0)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, body)
		body.Close()
		if err != nil {
			b.Fatal(err)
		}
		return float64(n) / 1e6
	})
}

// labVsPeer runs op against the lab's server and the real peer of the same
// protocol, alternating within each iteration so that both see the same
// machine load, and reports each one's rate (op's return value, summed, per
// second) in unit and the lab/peer ratio (above 1: the lab is faster).
func labVsPeer(b *testing.B, unit string, op func(b *testing.B, server string) float64) {
	for _, pair := range [][2]string{{"lab-http", "nginx"}, {"lab-tftp", "tftpd-hpa"}} {
		b.Run(pair[0]+"_vs_"+pair[1], func(b *testing.B) {
			b.ReportAllocs()
			var spent [2]time.Duration
			var done [2]float64
			for b.Loop() {
				for i, name := range pair {
					start := time.Now()
					done[i] += op(b, name)
					spent[i] += time.Since(start)
				}
			}
			lab, peer := done[0]/spent[0].Seconds(), done[1]/spent[1].Seconds()
			b.ReportMetric(lab, pair[0]+"-"+unit)
			b.ReportMetric(peer, pair[1]+"-"+unit)
			b.ReportMetric(lab/peer, "lab/peer")
		})
	}
}
