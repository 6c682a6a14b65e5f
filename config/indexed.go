package config

import (
	"fmt"
	"sync"
)

// IndexedKey is the parameter name of entry n of an indexed family: format
// with its %d replaced by n (IndexedKey("voip/codec/codec_info/%d/name", 0)
// is "voip/codec/codec_info/0/name"). Each name is made once per process:
// every phone of a fleet reads the same families at each boot and change.
func IndexedKey(format string, n int) string {
	k := indexedName{format, n}
	indexed.mu.RLock()
	name, ok := indexed.names[k]
	indexed.mu.RUnlock()
	if ok {
		return name
	}
	name = fmt.Sprintf(format, n)
	indexed.mu.Lock()
	if indexed.names == nil {
		indexed.names = map[indexedName]string{}
	}
	indexed.names[k] = name
	indexed.mu.Unlock()
	return name
}

type indexedName struct {
	format string
	n      int
}

var indexed struct {
	mu    sync.RWMutex
	names map[indexedName]string
}
