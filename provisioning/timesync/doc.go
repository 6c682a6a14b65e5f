// Package timesync gives the phone its time: which NTP servers to ask and
// in what order (DHCP options 42/4 against system/ntp/*), the zone offset
// (option 2 against system/ntp/gmt_offset), daylight saving in FIXED and
// DayOfWeek modes, the resync period, and the clock and date formats of the
// screen.
//
// Resolve turns the configuration and the lease into Settings. A Client
// asks the servers, primary first, and reports a failure as an error wrapping
// ErrTimeServer, which the phone shows as "Failed to connect to time server".
// A PhoneClock is the time the user sees: the base clock plus the NTP
// correction, in the configured zone, with daylight saving applied. Client.Run
// keeps a PhoneClock synchronised for as long as the phone is powered.
//
//	s, err := timesync.Resolve(cfg, timesync.DHCP{NTPServers: lease.NTPServers, TimeOffset: lease.TimeOffset})
//	if err != nil {
//		log.Warn("time settings", "err", err) // the rest of s still applies
//	}
//	pc := timesync.NewPhoneClock(clk, s)
//	go timesync.New(timesync.Config{Clock: clk}).Run(ctx, pc)
//	fmt.Println(pc.TimeString(), pc.DateString()) // "14:05 22/02/2024"
//
// Everything takes an injected clock, so daylight-saving transitions and
// resync schedules are tested with clocktest.Fake.
package timesync
