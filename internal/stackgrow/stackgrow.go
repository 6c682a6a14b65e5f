// Package stackgrow grows the calling goroutine's stack to a size it will
// need, in one copy while the goroutine is shallow. Left to grow by itself,
// a goroutine that goes deep (parsing a configuration, setting up or
// running a SIP stack) doubles its stack several times on the way, each
// time copying and rewriting every frame it holds; in a storm of booting
// phones that was a tenth of their CPU.
package stackgrow

// To8KiB grows a goroutine that uses less than 2 KiB of stack to 8 KiB.
//
//go:noinline
func To8KiB() byte {
	var pad [5 << 10]byte
	return touch(pad[:])
}

// To16KiB grows a goroutine that uses less than 4 KiB of stack to 16 KiB.
//
//go:noinline
func To16KiB() byte {
	var pad [12 << 10]byte
	return touch(pad[:])
}

// touch keeps pad alive, so that the compiler neither drops nor shrinks it.
//
//go:noinline
func touch(pad []byte) byte {
	pad[0] = 1
	return pad[len(pad)/2]
}
