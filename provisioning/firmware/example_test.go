package firmware_test

import (
	"bytes"
	"fmt"

	"github.com/hdphone/hdphone/provisioning/firmware"
)

func Example() {
	img, err := firmware.Build([]string{"450HD", "C450HD"}, "UC_3.4.9.1", []byte("the new firmware"))
	if err != nil {
		panic(err)
	}
	// A phone reads the header from the first block of the transfer...
	h, err := firmware.ParseHeader(img[:firmware.HeaderSize])
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Version, h.Supports("450HD"), h.Version != "UC_3.4.8.808")
	// ...and verifies the whole image while writing it to flash.
	var flash bytes.Buffer
	if _, err := firmware.Verify(bytes.NewReader(img), "450HD", &flash); err != nil {
		panic(err)
	}
	fmt.Println(flash.String())
	// Output:
	// UC_3.4.9.1 true true
	// the new firmware
}
