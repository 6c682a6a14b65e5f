// Package spandsp wraps libspandsp's G.722 codec through cgo. It exists only
// as a test oracle for the pure-Go codec in media/codec/g722 and is compiled
// only with the build tag "spandsp" (and cgo); without the tag it is empty.
package spandsp
