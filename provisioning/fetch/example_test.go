package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/hdphone/hdphone/provisioning/fetch"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/00908f000001.cfg" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "voip/line/0/id=1001\n")
	}))
	defer srv.Close()

	c, err := fetch.New(fetch.Config{UserAgent: "AUDC/3.4.8.808 AUDC-IPPhone-450HD_UC_3.4.8.808/1"})
	if err != nil {
		panic(err)
	}
	cfg, err := fetch.ReadAll(context.Background(), c, srv.URL+"/00908f000001.cfg", 64<<10)
	fmt.Printf("%q %v\n", cfg, err)
	_, err = fetch.ReadAll(context.Background(), c, srv.URL+"/450HD.cfg", 64<<10)
	fmt.Println(errors.Is(err, fetch.ErrNotFound))
	// Output:
	// "voip/line/0/id=1001\n" <nil>
	// true
}
