package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// multipartOverhead is what a browser adds around one file in a form: part
// headers, boundaries and a few small fields.
const multipartOverhead = 16 << 10

// openUpload returns the file part named field of a multipart POST and the
// file's name, cleaned for display. A request whose declared length is over
// max is refused before any of it is read; a body that turns out longer is
// cut off at the limit.
func openUpload(w http.ResponseWriter, r *http.Request, field string, max int64, exts ...string) (*multipart.Part, string, error) {
	if r.ContentLength > max+multipartOverhead {
		return nil, "", fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, r.ContentLength, max)
	}
	r.Body = http.MaxBytesReader(w, r.Body, max+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", fmt.Errorf("%w: not a file upload form: %v", ErrBadUpload, err)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			if tooLarge(err) {
				return nil, "", fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, max)
			}
			return nil, "", fmt.Errorf("%w: no file was chosen", ErrBadUpload)
		}
		if part.FormName() != field {
			io.Copy(io.Discard, io.LimitReader(part, multipartOverhead))
			part.Close()
			continue
		}
		name := cleanName(part.FileName())
		if part.FileName() == "" {
			part.Close()
			return nil, "", fmt.Errorf("%w: no file was chosen", ErrBadUpload)
		}
		if len(exts) > 0 {
			ok := false
			for _, e := range exts {
				if strings.HasSuffix(strings.ToLower(name), e) {
					ok = true
				}
			}
			if !ok {
				part.Close()
				return nil, "", fmt.Errorf("%w: %q is not a %s file", ErrBadUpload, name, strings.Join(exts, " or "))
			}
		}
		return part, name, nil
	}
}

// readUpload reads a whole (small) uploaded file.
func readUpload(part *multipart.Part, max int64) ([]byte, error) {
	defer part.Close()
	b, err := io.ReadAll(io.LimitReader(part, max+1))
	if err != nil {
		if tooLarge(err) {
			return nil, fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, max)
		}
		return nil, fmt.Errorf("%w: upload interrupted: %v", ErrBadUpload, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: the limit is %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// cleanName keeps the last element of an uploaded file's name, printable
// characters only, at most 100 of them: it is a label in messages and logs,
// never a path.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if n == 100 {
			break
		}
		b.WriteRune(r)
		n++
	}
	out := strings.TrimSpace(b.String())
	if out == "" || out == "." || out == ".." {
		return "upload"
	}
	return out
}

// isText reports whether b looks like a text configuration file: valid
// UTF-8 without NUL or other control bytes (tabs and line ends allowed).
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// uploadStatus maps an upload error to an HTTP status.
func uploadStatus(err error) int {
	switch {
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrBadUpload):
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}
