package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"

	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
	"github.com/hdphone/hdphone/ui/web"
)

// A phone with its Web interface on a loopback port: log in as the
// administrator and read the Release Information page.
func Example() {
	mac, _ := net.ParseMAC("00:90:8f:00:00:01")
	phone, _ := device.New(device.Config{Model: model.MustLookup(model.M450HD), MAC: mac})
	srv, _ := web.New(web.Config{Phone: phone, HTTPAddr: "127.0.0.1:0", HTTPSAddr: "off"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go phone.Run(ctx)
	phone.PowerOn(ctx)
	if err := srv.Listen(); err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(ctx)
	base := "http://" + srv.HTTPAddr().String()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, _ := c.Get(base + "/login")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(read(res))[1]
	res, _ = c.PostForm(base+"/login", url.Values{"csrf": {token}, "username": {"admin"}, "password": {"1234"}})
	fmt.Println(res.Request.URL.Path)
	res.Body.Close()
	res, _ = c.Get(base + "/status/system-information/release-information")
	fmt.Println(regexp.MustCompile(`Firmware Version</th><td>([^<]+)`).FindStringSubmatch(read(res))[1])
	// Output:
	// /home
	// UC_3.4.8.808
}

func read(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
