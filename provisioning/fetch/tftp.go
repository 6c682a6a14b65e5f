package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/hdphone/hdphone/provisioning/fetch/tftp"
)

func (c *Client) openTFTP(ctx context.Context, u *url.URL, first int64) (io.ReadCloser, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "69")
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return nil, fmt.Errorf("%w: %s names no file", ErrBadURL, redact(u))
	}
	tc := &tftp.Client{
		BlockSize: c.cfg.TFTPBlockSize,
		Timeout:   c.cfg.TFTPTimeout,
		Retries:   c.cfg.TFTPRetries,
		MaxSize:   c.cfg.maxSize(),
		LocalAddr: c.cfg.LocalAddr,
	}
	if first > 0 && first <= tftp.DefaultBlockSize && tc.BlockSize == 0 {
		// A header fits one default block: ask for no more than that.
		tc.BlockSize = tftp.DefaultBlockSize
	}
	tr, err := tc.Get(ctx, host, name)
	if err != nil {
		return nil, tftpErr(u, err)
	}
	mapErr := func(err error) error { return tftpErr(u, err) }
	// The TFTP client has its own retransmission time-outs; the idle timer
	// is a backstop that closes the socket.
	return &tftpBody{body: c.newBody(tr, tr.Size(), first, u, func() { tr.Close() }, mapErr), tr: tr}, nil
}

// tftpBody adds Received (bytes that crossed the network) to the body.
type tftpBody struct {
	*body
	tr *tftp.Transfer
}

// Received returns the payload bytes that came over the network, which for a
// header read is whole blocks.
func (t *tftpBody) Received() int64 { return t.tr.Received() }

func tftpErr(u *url.URL, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("fetch: %s: %w", redact(u), err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), err)
	case errors.Is(err, tftp.ErrNotFound):
		return fmt.Errorf("%w: %s: %w", ErrNotFound, redact(u), err)
	case errors.Is(err, tftp.ErrAccess):
		return fmt.Errorf("%w: %s: %w", ErrDenied, redact(u), err)
	case errors.Is(err, tftp.ErrTimeout):
		return fmt.Errorf("%w: %s: %w", ErrTimeout, redact(u), err)
	case errors.Is(err, tftp.ErrTooLarge):
		return fmt.Errorf("%w: %s: %w", ErrTooLarge, redact(u), err)
	}
	var re *tftp.RemoteError
	if errors.As(err, &re) {
		// A server that gives up in the middle of a transfer.
		return fmt.Errorf("%w: %s: %w", ErrTruncated, redact(u), err)
	}
	return fmt.Errorf("fetch: %s: %w", redact(u), err)
}
