package web_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hdphone/hdphone/internal/testpeer"
	"github.com/hdphone/hdphone/ui/web"
)

func benchGet(b *testing.B, c *http.Client, url string) {
	res, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", url, res.StatusCode)
	}
}

// BenchmarkHomePage is a logged-in GET of the Home page over loopback HTTP.
func BenchmarkHomePage(b *testing.B) {
	tp := startPhone(b, phoneOpts{})
	br := tp.browser(b)
	br.mustLogin("admin", "1234")
	b.ReportAllocs()
	for b.Loop() {
		benchGet(b, br.c, tp.base+"/home")
	}
}

// BenchmarkSaveFullConfiguration renders and downloads the whole
// configuration file (every parameter of the model).
func BenchmarkSaveFullConfiguration(b *testing.B) {
	tp := startPhone(b, phoneOpts{})
	br := tp.browser(b)
	br.mustLogin("admin", "1234")
	b.ReportAllocs()
	for b.Loop() {
		benchGet(b, br.c, tp.base+"/management/manual-update/configuration-file/save")
	}
}

// BenchmarkStaticVersusNginx fetches the same stylesheet from the phone and
// from nginx, alternately in one run, and reports both and their ratio.
func BenchmarkStaticVersusNginx(b *testing.B) {
	ng := testpeer.StartNginx(b, testpeer.NginxOptions{})
	css, err := os.ReadFile("static/style.css")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ng.Root, "style.css"), css, 0o644); err != nil {
		b.Fatal(err)
	}
	tp := startPhone(b, phoneOpts{})
	c := &http.Client{Timeout: 10 * time.Second}
	ours, theirs := tp.base+"/static/style.css", "http://"+ng.HTTP+"/style.css"
	benchGet(b, c, theirs)
	var tOurs, tTheirs time.Duration
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		t0 := time.Now()
		benchGet(b, c, ours)
		t1 := time.Now()
		benchGet(b, c, theirs)
		tOurs += t1.Sub(t0)
		tTheirs += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(n), "hdphone-ns/req")
	b.ReportMetric(float64(tTheirs.Nanoseconds())/float64(n), "nginx-ns/req")
	b.ReportMetric(float64(tOurs)/float64(tTheirs), "hdphone/nginx")
}

// BenchmarkNewServer reports what one more phone's Web server costs (a
// fleet runs one per phone): memory per New, listeners not included.
func BenchmarkNewServer(b *testing.B) {
	tp := startPhone(b, phoneOpts{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := web.New(web.Config{Phone: tp.phone}); err != nil {
			b.Fatal(err)
		}
	}
}
