package config

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
)

// IndexedKey is the parameter name of entry n of an indexed family: format
// with its %d replaced by n (IndexedKey("voip/codec/codec_info/%d/name", 0)
// is "voip/codec/codec_info/0/name"). Each name is made once per process:
// every phone of a fleet reads the same families at each boot and change.
func IndexedKey(format string, n int) string {
	if m := indexedNames.Load(); m != nil {
		if names := (*m)[format]; n >= 0 && n < len(names) {
			return names[n]
		}
	}
	if n < 0 || n >= maxIndexedName {
		return fmt.Sprintf(format, n)
	}
	return addIndexedNames(format, n)
}

// indexedNames maps a format to its names by index. Read from every core
// at once and written only when a family or a larger index first appears
// (a few dozen times per process: the formats are the code's constants), so
// a new map replaces the old one, and a read is one plain map lookup (a
// sync.Map keyed by format and index cost a phone's owner 48 hashes of the
// pair each time it listed its function keys).
var (
	indexedNames atomic.Pointer[map[string][]string]
	indexedMu    sync.Mutex
)

// maxIndexedName bounds the names kept per family; larger indices are
// formatted each time.
const maxIndexedName = 1 << 12

func addIndexedNames(format string, n int) string {
	indexedMu.Lock()
	defer indexedMu.Unlock()
	next := map[string][]string{}
	if m := indexedNames.Load(); m != nil {
		if names := (*m)[format]; n < len(names) {
			return names[n]
		}
		next = maps.Clone(*m)
	}
	names := next[format]
	grown := make([]string, min(max(n+1, 2*len(names), 64), maxIndexedName))
	copy(grown, names)
	for i := len(names); i < len(grown); i++ {
		grown[i] = fmt.Sprintf(format, i)
	}
	next[format] = grown
	indexedNames.Store(&next)
	return grown[n]
}
