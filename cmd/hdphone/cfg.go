package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

type cfgCommand struct {
	name, synopsis, summary string
	run                     func(e *env, args []string) error
}

// cfgCommands returns the subcommands of `hdphone cfg`.
func cfgCommands() []cfgCommand {
	return []cfgCommand{
		{"defaults", "[--model M] [--all] [--firmware V]", "print the factory configuration as a .cfg file", cfgDefaults},
		{"validate", "FILE [--model M]", "check a .cfg or .cfx file the way the phone does (exit 1 when it would be rejected)", cfgValidate},
		{"diff", "A B [--model M]", "list the settings two files set differently (exit 1 when they differ)", cfgDiff},
		{"delta", "FILE [--model M] [--firmware V]", "print only the settings of FILE that differ from the factory defaults", cfgDelta},
		{"encrypt", "-f FILE [-o OUT] | -s SECRET", "write FILE.cfx, or print the {\"…\"} form of a password (-s - reads it from stdin)", cfgEncrypt},
		{"decrypt", "-f FILE.cfx [-o OUT] | -s VALUE", "print the .cfg inside a .cfx, or the plain text of a {\"…\"} value", cfgDecrypt},
	}
}

func cfgUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: hdphone cfg <command> [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range cfgCommands() {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.synopsis, c.summary)
	}
}

func runCfg(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		cfgUsage(e.stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range cfgCommands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "hdphone cfg: unknown command %q\n", args[0])
	cfgUsage(e.stderr)
	return errUsage
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments ("validate FILE --model 450HD"), and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cfgFlags(e *env, name string) *flag.FlagSet {
	for _, c := range cfgCommands() {
		if c.name == name {
			fs, _ := newFlags(e, "cfg "+name, c.synopsis)
			return fs
		}
	}
	panic("no cfg command " + name)
}

// modelName checks a --model value; "" means no model (the manual's
// defaults, every parameter).
func modelName(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	m, err := model.Lookup(s)
	if err != nil {
		return "", exitError{2, err}
	}
	return string(m.Name), nil
}

func cfgDefaults(e *env, args []string) error {
	fs := cfgFlags(e, "defaults")
	modelFlag := fs.String("model", "", "phone model (445HD, 450HD, C450HD, RX50, HRS); empty: the manual's defaults for any model")
	all := fs.Bool("all", false, "every parameter, including those without a default (key=) and every index")
	firmware := fs.String("firmware", device.DefaultFirmware, "firmware version written as the first comment line; empty for none")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fs.Usage()
		return errUsage
	}
	m, err := modelName(*modelFlag)
	if err != nil {
		return err
	}
	return config.FormatOptions{All: *all, Defaults: true, Firmware: *firmware}.Format(e.stdout, config.Default().New(m))
}

// loaded is a configuration file applied on top of a model's factory
// configuration.
type loaded struct {
	path    string
	model   string
	entries []config.Entry
	cfg     *config.Config
	issues  []config.Issue
	err     error // the file was rejected
}

// load reads path and applies it to the factory configuration of model m;
// with m empty it uses the model the file names in system/type, if any.
func load(path, m string) (*loaded, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	l := &loaded{path: path, model: m}
	entries, _, perr := config.Parse(path, bytes.NewReader(data))
	if perr == nil {
		l.entries = entries
		if l.model == "" {
			if t := l.systemType(); t != nil {
				if mm, err := model.Lookup(t.Value); err == nil {
					l.model = string(mm.Name)
				}
			}
		}
	}
	l.cfg, l.issues, l.err = config.Default().New(l.model).ApplyBytes(path, data)
	return l, nil
}

// systemType returns the last system/type line of the file.
func (l *loaded) systemType() *config.Entry {
	var found *config.Entry
	for i, en := range l.entries {
		if _, canon, _, err := config.Default().Resolve(en.Key); err == nil && canon == "system/type" {
			found = &l.entries[i]
		}
	}
	return found
}

// checkModel rejects a file whose system/type names another model than the
// one asked for, as the phone does.
func (l *loaded) checkModel(want string) {
	t := l.systemType()
	if want == "" || t == nil || t.Value == "" || strings.EqualFold(t.Value, want) {
		return
	}
	is := config.Issue{File: l.path, Line: t.Line, Key: t.Key, Severity: config.Error,
		Err: fmt.Errorf("the file is for a %s, not a %s; a phone would refuse it", t.Value, want)}
	l.issues = append(l.issues, is)
	if l.err == nil {
		l.err = fmt.Errorf("%w: %w", config.ErrRejected, is)
	}
}

// readFile reads at most config.MaxFileSize bytes of path.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > config.MaxFileSize {
		return nil, exitError{1, fmt.Errorf("%w: %s is larger than %d bytes", config.ErrTooLarge, path, config.MaxFileSize)}
	}
	return data, nil
}

func printIssues(w io.Writer, issues []config.Issue) (errs, warns int) {
	for _, is := range issues {
		fmt.Fprintln(w, is.Error())
		if is.Severity == config.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func cfgValidate(e *env, args []string) error {
	fs := cfgFlags(e, "validate")
	modelFlag := fs.String("model", "", "check for this model: its parameters, key indices and system/type")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	m, err := modelName(*modelFlag)
	if err != nil {
		return err
	}
	l, err := load(pos[0], m)
	if err != nil {
		return err
	}
	l.checkModel(m)
	errs, warns := printIssues(e.stdout, l.issues)
	target := "any model"
	if l.model != "" {
		target = "the " + l.model
	}
	if l.err != nil {
		return exitError{1, fmt.Errorf("%s: rejected for %s (%s, %s)", l.path, target, plural(errs, "error"), plural(warns, "warning"))}
	}
	fmt.Fprintf(e.stdout, "%s: valid for %s (%s, %s)\n", l.path, target, plural(len(l.cfg.Explicit()), "setting"), plural(warns, "warning"))
	return nil
}

// loadOrFail loads a file for diff and delta: warnings go to stderr, a
// rejected file is an error.
func loadOrFail(e *env, path, m string) (*loaded, error) {
	l, err := load(path, m)
	if err != nil {
		return nil, err
	}
	l.checkModel(m)
	if l.err != nil {
		printIssues(e.stderr, l.issues)
		return nil, exitError{1, fmt.Errorf("%s is rejected", path)}
	}
	printIssues(e.stderr, l.issues)
	return l, nil
}

func cfgDiff(e *env, args []string) error {
	fs := cfgFlags(e, "diff")
	modelFlag := fs.String("model", "", "compare on this model's defaults (default: system/type of A)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	m, err := modelName(*modelFlag)
	if err != nil {
		return err
	}
	a, err := loadOrFail(e, pos[0], m)
	if err != nil {
		return err
	}
	b, err := loadOrFail(e, pos[1], a.model)
	if err != nil {
		return err
	}
	changes := config.Diff(a.cfg, b.cfg)
	w := bufio.NewWriter(e.stdout)
	for _, c := range changes {
		old, nw := c.Old, c.New
		if c.Param != nil && c.Param.Secret() {
			old, nw = "(secret)", "(secret)"
		}
		fmt.Fprintf(w, "-%s=%s\n+%s=%s\n", c.Key, old, c.Key, nw)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(changes) > 0 {
		return exitError{1, fmt.Errorf("%s and %s differ in %s", a.path, b.path, plural(len(changes), "setting"))}
	}
	return nil
}

func cfgDelta(e *env, args []string) error {
	fs := cfgFlags(e, "delta")
	modelFlag := fs.String("model", "", "compare with this model's defaults (default: system/type of the file)")
	firmware := fs.String("firmware", device.DefaultFirmware, "firmware version written as the first comment line; empty for none")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	m, err := modelName(*modelFlag)
	if err != nil {
		return err
	}
	l, err := loadOrFail(e, pos[0], m)
	if err != nil {
		return err
	}
	return config.FormatOptions{Firmware: *firmware}.Format(e.stdout, l.cfg.Delta())
}

// secretArg returns the -s value, reading it from stdin when it is "-" so
// that it stays out of the process list.
func secretArg(s string) (string, error) {
	if s != "-" {
		return s, nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cfgEncrypt(e *env, args []string) error {
	fs := cfgFlags(e, "encrypt")
	file := fs.String("f", "", "configuration file to encrypt into a .cfx")
	out := fs.String("o", "", "output file (default: FILE with the extension .cfx)")
	secret := fs.String("s", "", "password to encrypt into the {\"…\"} form (- reads it from stdin)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || (*file == "") == (*secret == "") {
		fs.Usage()
		return errUsage
	}
	if *secret != "" {
		s, err := secretArg(*secret)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, config.EncryptSecret(s))
		return nil
	}
	data, err := readFile(*file)
	if err != nil {
		return err
	}
	if config.IsCFX(data) {
		return exitError{1, fmt.Errorf("%s is already encrypted", *file)}
	}
	cfx, err := config.EncryptFile(data)
	if err != nil {
		return err
	}
	dst := *out
	if dst == "" {
		dst = strings.TrimSuffix(*file, filepath.Ext(*file)) + ".cfx"
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(*file); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.WriteFile(dst, cfx, mode); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, dst)
	return nil
}

func cfgDecrypt(e *env, args []string) error {
	fs := cfgFlags(e, "decrypt")
	file := fs.String("f", "", ".cfx file to decrypt")
	out := fs.String("o", "", "output file (default: standard output)")
	secret := fs.String("s", "", "{\"…\"} value to decrypt (- reads it from stdin)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || (*file == "") == (*secret == "") {
		fs.Usage()
		return errUsage
	}
	if *secret != "" {
		s, err := secretArg(*secret)
		if err != nil {
			return err
		}
		plain, err := config.DecryptSecret(s)
		if err != nil {
			return exitError{1, err}
		}
		fmt.Fprintln(e.stdout, plain)
		return nil
	}
	data, err := readFile(*file)
	if err != nil {
		return err
	}
	if !config.IsCFX(data) {
		return exitError{1, fmt.Errorf("%w: %s", config.ErrNotCFX, *file)}
	}
	cfg, err := config.DecodeFile(*file, data)
	if err != nil {
		return exitError{1, err}
	}
	if *out == "" {
		_, err = e.stdout.Write(cfg)
		return err
	}
	return os.WriteFile(*out, cfg, 0o600)
}
