package syslog

import "errors"

// ErrBadSetting means a system/syslog/* value cannot be used.
var ErrBadSetting = errors.New("syslog: bad setting")
