// Package firmware defines hdphone's firmware image format (.img) and checks
// images: reading the header on its own, deciding whether an image is for this
// model, and verifying a whole image while it streams to the flash writer.
//
// # Image format, version 1
//
// An image is a fixed 512-byte header followed by the payload. 512 bytes is
// one default TFTP block, so a phone can learn everything it needs to decide
// on an upgrade from the first block of a transfer (or a one-range HTTP
// request). All integers are big-endian; strings are ASCII padded with NUL
// bytes.
//
//	offset  size  field
//	     0     8  magic "HDPHIMG\x00"
//	     8     2  format version (1)
//	    10     2  header size (512)
//	    12     4  flags (0; reserved)
//	    16     8  payload length in bytes
//	    24    32  SHA-256 of the payload
//	    56    32  firmware version, e.g. "UC_3.4.8.808"
//	    88     1  number of models (1..8)
//	    89     7  reserved (0)
//	    96   128  model slots: 8 × 16 bytes, e.g. "450HD", "C450HD"
//	   224   284  reserved (0)
//	   508     4  CRC-32 (IEEE) of bytes 0..507
//
// Everything after the header is the payload; an image is exactly
// 512 + payload length bytes long. A reader refuses an image whose magic,
// format version, header size or header CRC is wrong, whose strings are not
// printable ASCII, whose payload is shorter or longer than announced, or whose
// payload hash differs.
//
// # Use
//
// ReadHeader (or ParseHeader) gives the Header from the first bytes; the
// provisioning code compares Header.Version with the running version and calls
// Header.Check for the model. Verify streams a whole image into a writer (the
// flash burn) while hashing it, so a large image is never held twice; only
// when Verify returns nil may the caller commit what it wrote. Pack and Build
// make images.
package firmware
