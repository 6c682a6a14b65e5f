package timesync

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/beevik/ntp"
	"github.com/hdphone/hdphone/clock"
)

// Config configures a Client; its zero value works.
type Config struct {
	// Port is the NTP port for servers given without one; 0 means 123.
	Port int
	// Timeout bounds each server's answer; 0 means 3 s.
	Timeout time.Duration
	// RetryWait is Run's pause after a failed synchronisation; 0 means
	// one minute.
	RetryWait time.Duration
	// LocalAddress is the address to send from (a fleet phone's own
	// 127.x.y.z); "" lets the kernel choose.
	LocalAddress string
	Clock        clock.Clock  // the base clock; nil means the system clock
	Logger       *slog.Logger // nil discards
	// OnSync, if set, is called by Run after every synchronisation attempt
	// (err nil on success); it must not block for long.
	OnSync func(Result, error)
}

// Result is a successful synchronisation.
type Result struct {
	Server string
	// Offset is what to add to the base clock to get true UTC.
	Offset  time.Duration
	RTT     time.Duration
	Stratum uint8
	At      time.Time // on the base clock
}

// Client asks NTP servers for the time.
type Client struct {
	cfg Config
	clk clock.Clock
	log *slog.Logger
}

// New returns a client.
func New(cfg Config) *Client {
	if cfg.Port == 0 {
		cfg.Port = 123
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, clk: clock.OrReal(cfg.Clock), log: log}
}

// Sync asks the servers in order (primary, then secondary, ...) and returns
// the first answer (BOOT-12, TIME-1). With no servers it returns ErrNoServer;
// when all fail, a *SyncError (both wrap ErrTimeServer).
func (c *Client) Sync(ctx context.Context, servers []string) (Result, error) {
	if len(servers) == 0 {
		return Result{}, ErrNoServer
	}
	var fails []Attempt
	for _, srv := range servers {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		r, err := c.query(ctx, srv)
		if err == nil {
			c.log.Info("time synchronised", "server", srv, "offset", r.Offset.String(), "rtt", r.RTT.String())
			return r, nil
		}
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		c.log.Warn("time server failed", "server", srv, "err", err)
		fails = append(fails, Attempt{Server: srv, Err: err})
	}
	return Result{}, &SyncError{Attempts: fails}
}

func (c *Client) query(ctx context.Context, server string) (Result, error) {
	addr := server
	if _, _, err := net.SplitHostPort(server); err != nil {
		addr = net.JoinHostPort(server, strconv.Itoa(c.cfg.Port))
	}
	opts := ntp.QueryOptions{
		Timeout:       c.cfg.Timeout,
		GetSystemTime: c.clk.Now,
		Dialer: func(local, remote string) (net.Conn, error) {
			d := net.Dialer{}
			if local != "" {
				d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(local)}
			}
			conn, err := d.DialContext(ctx, "udp", remote)
			if err != nil {
				return nil, err
			}
			// Cancelling ctx closes the socket, which ends the query.
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			return &stopConn{Conn: conn, stop: stop}, nil
		},
		LocalAddress: c.cfg.LocalAddress,
	}
	resp, err := ntp.QueryWithOptions(addr, opts)
	if err != nil {
		return Result{}, err
	}
	if err := resp.Validate(); err != nil {
		return Result{}, fmt.Errorf("invalid answer: %w", err)
	}
	return Result{Server: server, Offset: resp.ClockOffset, RTT: resp.RTT, Stratum: resp.Stratum, At: c.clk.Now()}, nil
}

// stopConn releases the context hook when the query closes the socket.
type stopConn struct {
	net.Conn
	stop func() bool
}

func (s *stopConn) Close() error {
	s.stop()
	return s.Conn.Close()
}

// Run keeps pc synchronised until ctx ends: it syncs at once, then every
// Settings.Resync, retrying after RetryWait when every server failed. It
// reads pc's settings at each round, so a new configuration or lease takes
// effect at the next one. It returns ctx's error.
func (c *Client) Run(ctx context.Context, pc *PhoneClock) error {
	for {
		s := pc.Settings()
		r, err := c.Sync(ctx, s.Servers)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := s.Resync
		if err == nil {
			pc.SetCorrection(r.Offset)
		} else {
			wait = c.cfg.RetryWait
		}
		if c.cfg.OnSync != nil {
			c.cfg.OnSync(r, err)
		}
		if err := clock.Sleep(ctx, c.clk, wait); err != nil {
			return err
		}
	}
}
