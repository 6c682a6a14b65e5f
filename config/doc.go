// Package config is the phone's parameter catalogue and its configuration
// files.
//
// # Catalogue
//
// Every parameter of the 400HD administrator's manual (and the generic-SIP line
// and signalling keys real provisioning systems use) is a Param in the
// Catalogue: its key (indexed keys are written with {n}), kind (cfg file,
// local, in-band, DHCP), type, default, allowed values or range, index range,
// the models it applies to, per-model defaults and whether a change needs a
// reboot. Default returns the catalogue built into the binary.
//
// # Configuration
//
// A Config is a set of concrete key=value pairs (indices filled in, enum
// values in their canonical spelling). Catalogue.Defaults gives a model's
// factory configuration.
//
// This package imports nothing of the project.
package config
