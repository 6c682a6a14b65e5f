package proctest

import "testing"

// A reading smaller than the earlier one (the heap shrank) is no growth,
// not a wrapped-around 16 EiB.
func TestSubNeverWraps(t *testing.T) {
	for _, tc := range []struct{ now, before, want Memory }{
		{Memory{300, 400, 50}, Memory{100, 100, 10}, Memory{200, 300, 40}},
		{Memory{100, 100, 10}, Memory{300, 400, 50}, Memory{0, 0, 0}},
		{Memory{100, 500, 10}, Memory{300, 400, 10}, Memory{0, 100, 0}},
	} {
		if got := tc.now.Sub(tc.before); got != tc.want {
			t.Errorf("%+v.Sub(%+v) = %+v, want %+v", tc.now, tc.before, got, tc.want)
		}
	}
}
