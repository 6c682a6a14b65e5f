package device

import (
	"strings"

	"github.com/hdphone/hdphone/device/model"
)

// UserAgent returns the User-Agent a 400HD sends in HTTP provisioning
// requests and SIP messages, in the form UC firmware uses on the wire
// (field-facts: "AUDC/3.4.6.604 AUDC-IPPhone-C450HD_UC_3.4.6.604/1").
// Provisioning servers find the vendor by the AUDC-IPPhone prefix and the model
// by the NNNHD token, so the shape matters more than the details.
func UserAgent(m model.Name, firmware string) string {
	num := strings.TrimPrefix(firmware, "UC_")
	return "AUDC/" + num + " AUDC-IPPhone-" + string(m) + "_" + firmware + "/1"
}
