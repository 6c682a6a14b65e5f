package config

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// builtinKey is the 3DES key (keying option 1, three distinct 8-byte keys)
// of hdphone's encryption scheme. AudioCodes' own key is not public, so
// values and files made by encryption_tool.exe do not decrypt here and ours
// do not decrypt on a real phone. The key is in the source: the scheme hides
// credentials from casual reading, it does not protect them.
var builtinKey = []byte("hdphone:400HD:3DES:cfgk1")

// cfxMagic starts every .cfx file. Like PNG's signature it holds a non-ASCII
// byte, CR LF and LF, so a file mangled by a text-mode transfer is caught at
// once.
var cfxMagic = []byte("\x89CFX\r\n\x1a\n")

func newCipher() cipher.Block {
	b, err := des.NewTripleDESCipher(builtinKey)
	if err != nil {
		panic(err) // the key has a fixed, valid length
	}
	return b
}

// EncryptSecret returns the encrypted form {"<base64>"} of a credential:
// 3DES-CBC with the built-in key, a zero IV and PKCS#7 padding, Base64 with
// padding. Up to 7 bytes of plain text give one block (12 Base64 characters),
// like the manual's example {"0qrNRpSJ6aE="}. The same plain text always
// gives the same string.
func EncryptSecret(plain string) string {
	ct := encryptCBC([]byte(plain), make([]byte, des.BlockSize))
	return `{"` + base64.StdEncoding.EncodeToString(ct) + `"}`
}

// IsEncrypted reports whether v has the {"…"} form of an encrypted value.
func IsEncrypted(v string) bool {
	v = strings.TrimSpace(v)
	return len(v) >= 4 && strings.HasPrefix(v, `{"`) && strings.HasSuffix(v, `"}`)
}

// DecryptSecret returns the plain text of an encrypted {"…"} value.
func DecryptSecret(v string) (string, error) {
	v = strings.TrimSpace(v)
	if !IsEncrypted(v) {
		return "", fmt.Errorf("%w: want {\"<base64>\"}", ErrBadSecret)
	}
	ct, err := base64.StdEncoding.DecodeString(v[2 : len(v)-2])
	if err != nil {
		return "", fmt.Errorf("%w: not Base64", ErrBadSecret)
	}
	pt, err := decryptCBC(ct, make([]byte, des.BlockSize))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadSecret, err)
	}
	return string(pt), nil
}

// IsCFX reports whether data starts with the .cfx header.
func IsCFX(data []byte) bool { return bytes.HasPrefix(data, cfxMagic) }

// EncryptFile turns the text of a .cfg file into a .cfx file:
//
//	magic  8 bytes  89 43 46 58 0d 0a 1a 0a  ("\x89CFX\r\n\x1a\n")
//	iv     8 bytes  random
//	body   3DES-CBC(built-in key, iv, PKCS#7(cfg || SHA-256(cfg)))
//
// The checksum inside the body lets DecodeFile tell a corrupted file from a
// good one.
func EncryptFile(cfg []byte) ([]byte, error) {
	iv := make([]byte, des.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("config: random IV: %w", err)
	}
	sum := sha256.Sum256(cfg)
	pt := append(append(make([]byte, 0, len(cfg)+len(sum)), cfg...), sum[:]...)
	out := append(append([]byte{}, cfxMagic...), iv...)
	return append(out, encryptCBC(pt, iv)...), nil
}

// DecodeFile returns the configuration text of a downloaded or uploaded
// file: a .cfx file (recognised by its header) is decrypted and checked, any
// other data is returned as it is. A file named *.cfx without the header is
// ErrNotCFX; a .cfx whose body does not decrypt or whose checksum does not
// match is ErrCorruptCFX. name is used in messages only.
func DecodeFile(name string, data []byte) ([]byte, error) {
	if !IsCFX(data) {
		if strings.HasSuffix(strings.ToLower(name), ".cfx") {
			return nil, fmt.Errorf("%w: %s has no .cfx header (was it made by another tool?)", ErrNotCFX, name)
		}
		return data, nil
	}
	rest := data[len(cfxMagic):]
	if len(rest) < 2*des.BlockSize+sha256.Size || len(rest)%des.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %s: truncated (%d bytes)", ErrCorruptCFX, name, len(data))
	}
	pt, err := decryptCBC(rest[des.BlockSize:], rest[:des.BlockSize])
	if err != nil || len(pt) < sha256.Size {
		return nil, fmt.Errorf("%w: %s: does not decrypt", ErrCorruptCFX, name)
	}
	cfg, sum := pt[:len(pt)-sha256.Size], pt[len(pt)-sha256.Size:]
	want := sha256.Sum256(cfg)
	if subtle.ConstantTimeCompare(sum, want[:]) != 1 {
		return nil, fmt.Errorf("%w: %s: checksum mismatch", ErrCorruptCFX, name)
	}
	return cfg, nil
}

func encryptCBC(plain, iv []byte) []byte {
	pad := des.BlockSize - len(plain)%des.BlockSize
	buf := make([]byte, len(plain)+pad)
	copy(buf, plain)
	for i := len(plain); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(newCipher(), iv).CryptBlocks(buf, buf)
	return buf
}

func decryptCBC(ct, iv []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%des.BlockSize != 0 {
		return nil, fmt.Errorf("length %d is not a whole number of blocks", len(ct))
	}
	buf := make([]byte, len(ct))
	cipher.NewCBCDecrypter(newCipher(), iv).CryptBlocks(buf, ct)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > des.BlockSize {
		return nil, fmt.Errorf("bad padding")
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("bad padding")
		}
	}
	return buf[:len(buf)-pad], nil
}
