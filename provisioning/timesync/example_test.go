package timesync_test

import (
	"fmt"
	"time"

	"github.com/hdphone/hdphone/clock/clocktest"
	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/provisioning/timesync"
)

// The idle screen's clock with the lease's offset and a daylight-saving
// rule from the configuration, on a clock set to an NTP answer.
func ExamplePhoneClock() {
	cfg := config.Default().New("450HD")
	for k, v := range map[string]string{
		"system/ntp/time_display_format":                "12Hour",
		"system/daylight_saving/activate":               "ENABLE",
		"system/daylight_saving/mode":                   "DayOfWeek",
		"system/daylight_saving/start_date/month":       "3",
		"system/daylight_saving/start_date/week":        "5",
		"system/daylight_saving/start_date/day_of_week": "SUNDAY",
		"system/daylight_saving/start_date/hour":        "2",
		"system/daylight_saving/end_date/month":         "10",
		"system/daylight_saving/end_date/week":          "5",
		"system/daylight_saving/end_date/hour":          "3",
	} {
		if err := cfg.Set(k, v); err != nil {
			panic(err)
		}
	}
	offset := time.Hour // DHCP option 2
	s, err := timesync.Resolve(cfg, timesync.DHCP{TimeOffset: &offset})
	if err != nil {
		panic(err)
	}
	clk := clocktest.New(time.Date(2024, 7, 1, 12, 5, 0, 0, time.UTC))
	pc := timesync.NewPhoneClock(clk, s)
	fmt.Println(pc.TimeString(), pc.DateString(), pc.InDST())
	// Output: 2:05 PM 01/07/2024 true
}
