// Package syslog is the phone's System Logging (§7.1): an slog.Handler that
// writes RFC 5424 messages to a syslog server over UDP, to the console, or to
// the phone's local log, as system/syslog/mode says (Local, Network, Serial,
// All), at the levels system/syslog/log_level and
// system/syslog/component/<name> set (None, Basic, Detailed).
//
// A record belongs to a component through its "component" attribute
// (control_center for networking, sip_stack, lcd_display, ...); the
// component's level decides whether it is sent and the component names the
// APP-NAME field. At None a component still sends warnings and errors, the
// manual's "lightweight syslog"; Basic adds informational records and
// Detailed debug records. log_level None turns syslog off and Basic caps every
// component at Basic. HOSTNAME is the phone's MAC or IP.
//
// Logging never blocks the caller: lines wait in a bounded queue that Run
// drains, and are dropped and counted (Dropped) when the network is slower
// than the phone. Reconfigure applies new settings while running.
//
//	s, err := syslog.SettingsFrom(cfg)
//	if err != nil {
//		log.Warn("syslog settings", "err", err)
//	}
//	h := syslog.New(s, syslog.Options{Hostname: "00908f000001"})
//	go h.Run(ctx)
//	log := slog.New(h)
//	log.Info("registered", "component", "sip_stack", "line", 1)
//	// <134>1 2024-02-22T14:05:00.000000Z 00908f000001 sip_stack - - - registered component=sip_stack line=1
package syslog
