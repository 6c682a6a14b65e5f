package cli

import (
	"bytes"
	"testing"
)

func TestTelnetDecoder(t *testing.T) {
	tests := []struct {
		name    string
		in      [][]byte // split across reads
		data    string
		replies []byte
		sizes   [][2]int
	}{
		{"plain line", [][]byte{[]byte("show status\r\n")}, "show status\r", nil, nil},
		{"CR NUL", [][]byte{[]byte("a\r\x00b")}, "a\rb", nil, nil},
		{"lone LF", [][]byte{[]byte("a\nb")}, "a\rb", nil, nil},
		{"escaped IAC", [][]byte{{'a', 255, 255, 'b'}}, "a\xffb", nil, nil},
		{"our options acknowledged", [][]byte{{255, 253, 1, 255, 253, 3, 255, 251, 31, 255, 251, 3}}, "", nil, nil},
		{"unknown options refused once", [][]byte{{255, 253, 24, 255, 251, 34, 255, 253, 24}}, "", []byte{255, 252, 24, 255, 254, 34}, nil},
		{"NAWS", [][]byte{{255, 250, 31, 0, 120, 0, 50, 255, 240, 'x'}}, "x", nil, [][2]int{{120, 50}}},
		{"NAWS split across reads", [][]byte{{255, 250, 31, 0}, {200, 0, 60, 255}, {240}}, "", nil, [][2]int{{200, 60}}},
		{"NAWS with escaped 255", [][]byte{{255, 250, 31, 0, 255, 255, 0, 40, 255, 240}}, "", nil, [][2]int{{255, 40}}},
		{"command between data", [][]byte{{'a', 255, 241, 'b'}}, "ab", nil, nil},
		{"malformed subnegotiation", [][]byte{{255, 250, 31, 1, 255, 'q', 'z'}}, "z", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d telnetDecoder
			var data, replies []byte
			var sizes [][2]int
			for _, in := range tt.in {
				a, b, c := d.decode(in)
				data, replies, sizes = append(data, a...), append(replies, b...), append(sizes, c...)
			}
			if string(data) != tt.data || !bytes.Equal(replies, tt.replies) || len(sizes) != len(tt.sizes) {
				t.Fatalf("data %q replies %v sizes %v; want %q %v %v", data, replies, sizes, tt.data, tt.replies, tt.sizes)
			}
			for i := range sizes {
				if sizes[i] != tt.sizes[i] {
					t.Fatalf("sizes %v, want %v", sizes, tt.sizes)
				}
			}
		})
	}
}

func FuzzTelnetDecode(f *testing.F) {
	f.Add([]byte("admin\r\n1234\r\n"), 3)
	f.Add([]byte{255, 250, 31, 0, 80, 0, 24, 255, 240, 255, 253, 24, 'x', 255, 255}, 5)
	f.Add([]byte{255, 250, 255, 255, 255, 240, 255}, 1)
	f.Fuzz(func(t *testing.T, in []byte, split int) {
		var whole, parts telnetDecoder
		d1, r1, s1 := whole.decode(in)
		if split <= 0 {
			split = 1
		}
		var d2, r2 []byte
		var s2 [][2]int
		for i := 0; i < len(in); i += split {
			end := min(i+split, len(in))
			a, b, c := parts.decode(in[i:end])
			d2, r2, s2 = append(d2, a...), append(r2, b...), append(s2, c...)
		}
		// Splitting the stream anywhere must not change what is decoded.
		if !bytes.Equal(d1, d2) || !bytes.Equal(r1, r2) || len(s1) != len(s2) {
			t.Fatalf("split %d changes the result: %q/%q %v/%v", split, d1, d2, r1, r2)
		}
		if len(d1) > len(in) || len(parts.sb) > maxSB {
			t.Fatalf("decoder grew: data %d of %d input, sb %d", len(d1), len(in), len(parts.sb))
		}
		for _, c := range d1 {
			if c == '\n' || c == 0 {
				t.Fatalf("data holds %q", c)
			}
		}
	})
}

func BenchmarkTelnetDecode(b *testing.B) {
	in := []byte("set voip/media/media_port 6000\r\n\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0show status\r\x00")
	var d telnetDecoder
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d.decode(in)
	}
}
