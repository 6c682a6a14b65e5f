package dhcpserver

import "errors"

// ErrConfig means the server configuration cannot work.
var ErrConfig = errors.New("dhcpserver: bad configuration")
