// Package client is the Go client of the hdphone control API (fleet/api):
// tests in other repositories drive running phones with it.
//
//	c := client.New("http://127.0.0.1:8080", nil)
//	id, err := c.Dial(ctx, "desk-1", "1002")
//	st, err := c.WaitFor(ctx, "desk-2", func(s api.PhoneState) bool { return len(s.Calls) > 0 })
//	err = c.Answer(ctx, "desk-2", "")
//
// Every method takes a context; errors from the server are *Error values
// carrying the HTTP status and the server's message.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/fleet/api"
)

// Error is an error answer of the server.
type Error struct {
	Status  int    // HTTP status
	Message string // the server's message
}

func (e *Error) Error() string { return fmt.Sprintf("hdphone api: %d: %s", e.Status, e.Message) }

// ErrNotFound matches an *Error with status 404 (errors.Is).
var ErrNotFound = errors.New("hdphone api: not found")

// Is makes a 404 match ErrNotFound.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// Client talks to one API server. The zero value is not usable; make one
// with New. It is safe for concurrent use.
type Client struct {
	base string
	hc   *http.Client
}

// New returns a client of the server at base ("http://127.0.0.1:8080");
// hc nil means http.DefaultClient.
func New(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(base, "/"), hc: hc}
}

func (c *Client) phoneURL(id, rest string) string {
	return c.base + "/api/v1/phones/" + url.PathEscape(id) + rest
}

// do sends a request and decodes a JSON answer into out (nil: discard).
func (c *Client) do(ctx context.Context, method, u, ctype string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return &Error{Status: res.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	if s, ok := out.(*string); ok {
		*s = string(b)
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("hdphone api: %s %s: %w", method, u, err)
	}
	return nil
}

func (c *Client) post(ctx context.Context, id, rest string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return c.do(ctx, http.MethodPost, c.phoneURL(id, rest), "application/json", body, out)
}

// Phones lists the phones (of one group when group is not "").
func (c *Client) Phones(ctx context.Context, group string) ([]api.PhoneSummary, error) {
	u := c.base + "/api/v1/phones"
	if group != "" {
		u += "?group=" + url.QueryEscape(group)
	}
	var out []api.PhoneSummary
	return out, c.do(ctx, http.MethodGet, u, "", nil, &out)
}

// State returns a phone's state.
func (c *Client) State(ctx context.Context, id string) (api.PhoneState, error) {
	var out api.PhoneState
	return out, c.do(ctx, http.MethodGet, c.phoneURL(id, ""), "", nil, &out)
}

// Screen returns what a phone's screen and LEDs show.
func (c *Client) Screen(ctx context.Context, id string) (api.Screen, error) {
	var out api.Screen
	return out, c.do(ctx, http.MethodGet, c.phoneURL(id, "/screen"), "", nil, &out)
}

// Calls returns a phone's calls.
func (c *Client) Calls(ctx context.Context, id string) ([]api.Call, error) {
	var out []api.Call
	return out, c.do(ctx, http.MethodGet, c.phoneURL(id, "/calls"), "", nil, &out)
}

// Events returns a phone's recent events (limit 0: all the server keeps).
func (c *Client) Events(ctx context.Context, id string, limit int) ([]api.Event, error) {
	u := c.phoneURL(id, "/events")
	if limit > 0 {
		u += "?limit=" + strconv.Itoa(limit)
	}
	var out []api.Event
	return out, c.do(ctx, http.MethodGet, u, "", nil, &out)
}

// Press presses keys in order (digits, OK, MENU, SOFT1, PROG1, …).
func (c *Client) Press(ctx context.Context, id string, keys ...string) (api.PhoneState, error) {
	var out api.PhoneState
	return out, c.post(ctx, id, "/keys", api.KeysRequest{Keys: keys}, &out)
}

// Dial dials number and returns the new call's ID.
func (c *Client) Dial(ctx context.Context, id, number string) (string, error) {
	var out api.CallRef
	err := c.post(ctx, id, "/dial", api.DialRequest{Number: number}, &out)
	return out.Call, err
}

// Answer answers a ringing call ("" : the one ringing).
func (c *Client) Answer(ctx context.Context, id, call string) error {
	return c.post(ctx, id, "/answer", api.CallRef{Call: call}, nil)
}

// Reject refuses a ringing call.
func (c *Client) Reject(ctx context.Context, id, call string) error {
	return c.post(ctx, id, "/reject", api.CallRef{Call: call}, nil)
}

// Hangup ends a call ("": the current one).
func (c *Client) Hangup(ctx context.Context, id, call string) error {
	return c.post(ctx, id, "/hangup", api.CallRef{Call: call}, nil)
}

// Hold holds a connected call.
func (c *Client) Hold(ctx context.Context, id, call string) error {
	return c.post(ctx, id, "/hold", api.CallRef{Call: call}, nil)
}

// Resume resumes a held call.
func (c *Client) Resume(ctx context.Context, id, call string) error {
	return c.post(ctx, id, "/resume", api.CallRef{Call: call}, nil)
}

// Transfer transfers a call to target; attended consults the target first.
func (c *Client) Transfer(ctx context.Context, id, call, target string, attended bool) error {
	kind := "blind"
	if attended {
		kind = "attended"
	}
	return c.post(ctx, id, "/transfer", api.TransferRequest{Call: call, Target: target, Kind: kind}, nil)
}

// DTMF sends digits in a call.
func (c *Client) DTMF(ctx context.Context, id, call, digits string) error {
	return c.post(ctx, id, "/dtmf", api.DTMFRequest{Call: call, Digits: digits}, nil)
}

// SetDND turns do-not-disturb on or off.
func (c *Client) SetDND(ctx context.Context, id string, on bool) error {
	return c.post(ctx, id, "/dnd", api.SwitchRequest{On: on}, nil)
}

// SetForward forwards every call to target ("" turns it off).
func (c *Client) SetForward(ctx context.Context, id, target string) error {
	return c.post(ctx, id, "/forward", api.ForwardRequest{Target: target}, nil)
}

// Config returns the phone's running configuration as .cfg text.
func (c *Client) Config(ctx context.Context, id string) (string, error) {
	var out string
	return out, c.do(ctx, http.MethodGet, c.phoneURL(id, "/config"), "", nil, &out)
}

// SetConfig applies a .cfg file or delta.
func (c *Client) SetConfig(ctx context.Context, id, cfg string) (api.ConfigResult, error) {
	var out api.ConfigResult
	return out, c.do(ctx, http.MethodPost, c.phoneURL(id, "/config"), "text/plain", strings.NewReader(cfg), &out)
}

// Reboot restarts the phone.
func (c *Client) Reboot(ctx context.Context, id string) error {
	return c.post(ctx, id, "/reboot", nil, nil)
}

// Power cuts the power (on=false) or restores it.
func (c *Client) Power(ctx context.Context, id string, on bool) error {
	return c.post(ctx, id, "/power", api.SwitchRequest{On: on}, nil)
}

// Link pulls the Ethernet cable out (up=false) or plugs it in.
func (c *Client) Link(ctx context.Context, id string, up bool) error {
	return c.post(ctx, id, "/link", api.SwitchRequest{On: up}, nil)
}

// Stream follows a phone's events ("" id: every phone's) as Server-Sent
// Events until ctx ends. The channel is closed when the stream ends; the
// error function then says why (nil after ctx ended).
func (c *Client) Stream(ctx context.Context, id string) (<-chan api.Event, func() error, error) {
	u := c.base + "/api/v1/events"
	if id != "" {
		u = c.phoneURL(id, "/events/stream")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		var e api.Error
		json.Unmarshal(b, &e)
		return nil, nil, &Error{Status: res.StatusCode, Message: e.Error}
	}
	ch := make(chan api.Event, 64)
	var streamErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var data strings.Builder
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if data.Len() == 0 {
					continue
				}
				var ev api.Event
				if err := json.Unmarshal([]byte(data.String()), &ev); err != nil {
					streamErr = fmt.Errorf("hdphone api: event: %w", err)
					return
				}
				data.Reset()
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
			case strings.HasPrefix(line, "data:"):
				data.WriteString(strings.TrimSpace(strings.TrimPrefix(line, "data:")))
			}
		}
		if err := sc.Err(); err != nil && ctx.Err() == nil {
			streamErr = err
		}
	}()
	return ch, func() error { <-done; return streamErr }, nil
}

// WaitFor returns the phone's state once cond holds, checking at once and
// after each of the phone's events (it follows the event stream), until ctx
// ends.
func (c *Client) WaitFor(ctx context.Context, id string, cond func(api.PhoneState) bool) (api.PhoneState, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, _, err := c.Stream(sctx, id)
	if err != nil {
		return api.PhoneState{}, err
	}
	for {
		st, err := c.State(ctx, id)
		if err != nil {
			return st, err
		}
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case _, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return st, ctx.Err()
				}
				return st, errors.New("hdphone api: event stream ended")
			}
		}
	}
}
