// Package config is the phone's parameter catalogue and its configuration
// files: parsing, formatting, delta against the factory defaults, and the
// encryption of passwords and whole files.
//
// This package imports nothing of the project.
//
// # Catalogue
//
// Every parameter of the 400HD administrator's manual, and the generic-SIP
// line, signalling and provisioning keys that real provisioning systems
// write, is a [Param] in the [Catalogue]: its key (indexed keys hold {n}),
// kind (cfg file, local, in-band, DHCP), type, the default as the manual
// prints it, allowed values or range, index ranges (over all models and per
// model: function keys are 0-47 overall but 0-5 on the RX50), the models it
// applies to, per-model defaults (the RX50 pairs BToE in BOTH mode, core
// dumps are off on the RX50 and HRS, system/type is the model itself) and
// whether a change needs a reboot. [Default] returns the catalogue built into
// the binary from catalogue.tsv.
//
// Keys are matched without regard to case and through aliases the manual's
// inconsistencies call for (lync/sign_in/pin_code_only, expiration_timeout,
// system/ntp/daylight_saving/...). Enum values are matched without regard to
// case, and other spellings map to the catalogue's token (Event for
// KEY_EVENT, 0/1 for the RTCP-XR mode, Debug for a syslog level). The
// manual's odd printed defaults (Enable, Debug, 15 minutes, None, 4403) are
// kept as printed, always validate, and read as what they mean.
//
// # Configuration
//
// A [Config] is a set of explicit key=value pairs (concrete keys, values in
// canonical spelling) on top of a model's defaults; [Catalogue.New] gives a
// model's factory configuration. Get returns the effective value.
//
// # Files
//
// A .cfg file has one key=value per line. Comments start with ; or #; blank
// lines, LF, CRLF or CR line ends, a UTF-8 byte order mark and spaces around keys and
// values are accepted. [Config.Apply] reports problems as [Issue]s that name
// the file and line. Unknown keys (kept in Extra), repeated keys (the last
// wins), parameters of another model and DHCP options are warnings: the rest
// of the file applies. A bad value, a line without =, NUL bytes, invalid
// UTF-8 or control characters are errors and reject the whole file: the
// phone keeps its configuration. Files over [MaxFileSize] (4 MiB) are
// refused without being read into memory.
//
// [FormatOptions.Format] writes a Config back: explicit values in
// [CompareKeys] order (or, with All, every parameter of the model), an
// optional ";<firmware>" header line as real phones write, then kept unknown
// keys. [Config.Delta] keeps only the values that differ from the factory
// defaults ("display modified configuration fields only").
//
// # Encryption
//
// The manual's encryption tool uses 3DES; AudioCodes' key is not public, so
// hdphone defines its own scheme with a fixed key built into the package.
// Values and files made by AudioCodes' encryption_tool.exe do not decrypt
// here, and ours do not decrypt on a real phone. The key is in the source:
// the scheme keeps credentials from casual reading, it does not protect them.
//
//   - An encrypted value is {"<base64>"}: 3DES-CBC (the 24-byte built-in key),
//     zero IV, PKCS#7 padding, standard Base64. A password of up to 7 bytes
//     gives one block, 12 Base64 characters, like the manual's
//     {"0qrNRpSJ6aE="}. Every password parameter accepts it as well as plain
//     text; [EncryptSecret] makes one, [Config.Secret] returns the plain text.
//   - A .cfx file is the 8-byte header 89 43 46 58 0d 0a 1a 0a
//     ("\x89CFX\r\n\x1a\n"), an 8-byte random IV, then 3DES-CBC of the .cfg
//     text followed by its SHA-256, PKCS#7-padded. [EncryptFile] makes one;
//     [DecodeFile] (which Parse and Apply call) recognises the header,
//     decrypts, and rejects a truncated or corrupted file by its checksum.
//   - A plain System password (system/password) is kept as MD5:<hex digest>
//     the moment it is set (§3.5.2 "by default encrypted using MD5"), so
//     saved configurations never hold it in clear; its encrypted {"…"} form
//     is kept as given. [Config.CheckSecret] verifies a password against
//     whichever form is stored; Secret returns [ErrHashed] for the MD5 form.
//
// Credentials never appear in errors or issues: messages about password
// values name the key, not the value.
package config
