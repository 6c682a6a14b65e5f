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
	if v, ok := indexedNames.Load(k); ok {
		return v.(string)
	}
	name := fmt.Sprintf(format, n)
	indexedNames.Store(k, name)
	return name
}

type indexedName struct {
	format string
	n      int
}

// indexedNames maps an indexedName to its name. A sync.Map: read from
// every core at once and written only the first time a name is made.
var indexedNames sync.Map
