package fleet

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one slice of a fleet run on its own machine: shard Index of
// Count (0 <= Index < Count). Every shard of a fleet file gets a disjoint,
// deterministic slice of the phones, and with it of the MACs, users and
// addresses, so that shards started anywhere with the same file never
// clash. The zero Shard is the whole fleet.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n".
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("%w: %q (want i/n, e.g. 0/4)", ErrShard, s)
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%w: %q (want i/n, e.g. 0/4)", ErrShard, s)
	}
	sh := Shard{Index: i, Count: n}
	return sh, sh.check()
}

func (s Shard) check() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("%w: %d/%d (want 0 <= i < n)", ErrShard, s.Index, s.Count)
	}
	return nil
}

func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Slice returns the fleet indices [lo, hi) of the shard's phones among
// total: contiguous blocks of an even size, so that the pairs of an
// each: pairs step over the whole fleet (or a group that starts at an even
// index) stay on one shard.
func (s Shard) Slice(total int) (lo, hi int) {
	if s.Count <= 1 {
		return 0, total
	}
	per := (total + s.Count - 1) / s.Count
	per += per % 2
	lo = min(s.Index*per, total)
	hi = min(lo+per, total)
	return lo, hi
}
