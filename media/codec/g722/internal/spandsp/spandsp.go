//go:build cgo && spandsp

package spandsp

/*
#cgo LDFLAGS: -lspandsp
#include <stdint.h>
#include <stdlib.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Encode codes 16 kHz PCM with a fresh libspandsp encoder at 64 kbit/s.
func Encode(pcm []int16) ([]byte, error) {
	s := C.g722_encode_init(nil, 64000, 0)
	if s == nil {
		return nil, errors.New("spandsp: g722_encode_init failed")
	}
	defer C.g722_encode_free(s)
	out := make([]byte, len(pcm)/2+1)
	if len(pcm) == 0 {
		return out[:0], nil
	}
	n := C.g722_encode(s, (*C.uint8_t)(unsafe.Pointer(&out[0])), (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)))
	return out[:n], nil
}

// Decode decodes G.722 bytes with a fresh libspandsp decoder at 64 kbit/s.
func Decode(data []byte) ([]int16, error) {
	s := C.g722_decode_init(nil, 64000, 0)
	if s == nil {
		return nil, errors.New("spandsp: g722_decode_init failed")
	}
	defer C.g722_decode_free(s)
	out := make([]int16, 2*len(data)+2)
	if len(data) == 0 {
		return out[:0], nil
	}
	n := C.g722_decode(s, (*C.int16_t)(unsafe.Pointer(&out[0])), (*C.uint8_t)(unsafe.Pointer(&data[0])), C.int(len(data)))
	return out[:n], nil
}
