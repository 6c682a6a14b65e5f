package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/hdphone/hdphone/provisioning/firmware"
)

// runImg is `hdphone img pack|inspect`.
func runImg(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: hdphone img pack --models M[,M...] --version V [--payload FILE | --size N] -o FILE")
		fmt.Fprintln(e.stderr, "       hdphone img inspect FILE")
		return errUsage
	}
	switch args[0] {
	case "pack":
		return imgPack(e, args[1:])
	case "inspect":
		return imgInspect(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "hdphone img: unknown subcommand %q (pack, inspect)\n", args[0])
	return errUsage
}

func imgPack(e *env, args []string) error {
	fs, verbose := newFlags(e, "img pack", "--models 450HD,C450HD --version UC_3.4.9.1 [--payload FILE | --size N] -o FILE")
	models := fs.String("models", "", "comma-separated models the image installs on (445HD, 450HD, C450HD, RX50, HRS)")
	version := fs.String("version", "", "firmware version, e.g. UC_3.4.9.1")
	payloadPath := fs.String("payload", "", "payload file (default: generated, see --size)")
	size := fs.Int64("size", 1<<20, "size of a generated pseudo-random payload in bytes")
	seed := fs.Uint64("seed", 1, "seed of the generated payload (same seed, same image)")
	out := fs.String("o", "", "output image file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	if *models == "" || *version == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	var list []string
	for _, m := range strings.Split(*models, ",") {
		if m = strings.TrimSpace(m); m != "" {
			list = append(list, m)
		}
	}
	var payload io.Reader
	if *payloadPath != "" {
		f, err := os.Open(*payloadPath)
		if err != nil {
			return err
		}
		defer f.Close()
		payload = f
	} else {
		if *size < 0 {
			return exitError{2, fmt.Errorf("--size %d: must be ≥ 0", *size)}
		}
		payload = io.LimitReader(&prng{r: rand.NewChaCha8(seedBytes(*seed))}, *size)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	h, err := firmware.Pack(f, list, *version, payload)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		if errors.Is(err, firmware.ErrBadHeader) {
			return exitError{2, err}
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", *out, h)
	return nil
}

func imgInspect(e *env, args []string) error {
	fs, verbose := newFlags(e, "img inspect", "FILE")
	model := fs.String("model", "", "also check that the image is for this model")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e.setVerbosity(*verbose)
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := firmware.Verify(f, *model, nil)
	if h.Version != "" {
		fmt.Fprintf(e.stdout, "file:     %s\n", fs.Arg(0))
		fmt.Fprintf(e.stdout, "format:   %d\n", h.Format)
		fmt.Fprintf(e.stdout, "version:  %s\n", h.Version)
		fmt.Fprintf(e.stdout, "models:   %s\n", strings.Join(h.Models, ","))
		fmt.Fprintf(e.stdout, "payload:  %d bytes\n", h.Length)
		fmt.Fprintf(e.stdout, "sha256:   %s\n", hex.EncodeToString(h.SHA256[:]))
	}
	if err != nil {
		fmt.Fprintf(e.stdout, "status:   BAD (%v)\n", err)
		return exitError{1, err}
	}
	fmt.Fprintln(e.stdout, "status:   OK")
	return nil
}

// prng is a reader of deterministic pseudo-random bytes for generated
// payloads (test images of any size without a payload file).
type prng struct{ r *rand.ChaCha8 }

func (p *prng) Read(b []byte) (int, error) { return p.r.Read(b) }

func seedBytes(s uint64) [32]byte {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(s >> (8 * i))
	}
	return b
}
