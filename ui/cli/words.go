package cli

import (
	"fmt"
	"strings"
)

// maxLine bounds a command line; longer lines are refused.
const maxLine = 4096

// Split splits a command line into words: spaces and tabs separate words,
// double quotes group them (an empty "" is a word), and a backslash escapes
// the next character, inside quotes or not.
func Split(line string) ([]string, error) {
	if len(line) > maxLine {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrSyntax, maxLine)
	}
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		inQuote bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\':
			if i+1 == len(line) {
				return nil, fmt.Errorf("%w: backslash at end of line", ErrSyntax)
			}
			i++
			if line[i] < 0x20 || line[i] == 0x7f {
				return nil, fmt.Errorf("%w: control character %#02x", ErrSyntax, line[i])
			}
			cur.WriteByte(line[i])
			inWord = true
		case c == '"':
			inQuote = !inQuote
			inWord = true
		case (c == ' ' || c == '\t') && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c < 0x20 || c == 0x7f:
			return nil, fmt.Errorf("%w: control character %#02x", ErrSyntax, c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("%w: unterminated quote", ErrSyntax)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
