// Package device is the phone itself: a Phone owns its state in one
// goroutine, boots through named stages, and publishes immutable snapshots
// and an event stream.
//
// # Concepts
//
// Power: a Phone is created off. PowerOn starts a power cycle: a context and
// a set of worker goroutines owned by the phone. PowerOff, Reboot and
// FactoryReset end the cycle; the workers are cancelled and waited for.
//
// Boot: a power cycle runs the stages Link, VLAN, Network (DHCP or static),
// Time, Firmware, Configuration and SignIn, then the phone is Idle. Each
// stage is a StageFunc run on a worker goroutine; it reaches the phone's
// state only through the Boot handle it is given, which forwards every change
// to the owner goroutine. Subsystems (provisioning, SIP, media) plug in as
// stage functions and long-running services.
//
// Network boot: Config.Network says how a phone in DHCP mode reaches its
// LAN, raw on an interface (a board, or a test's network namespace) or UDP
// towards one DHCP server from the phone's own address (fleets, lab.Lab).
// Link waits for the carrier ("LAN Link failure"); Network keeps retrying DHCP
// until a lease comes and the "dhcp" service keeps it; Time sets the phone's
// clock from NTP (LocalTime, ClockText); Firmware reads only the image header
// and burns a different version into the flash slot, then restarts; only
// without new firmware does Configuration fetch, check and apply the
// configuration and its side files. Periodic checks, Check Now, System
// Logging and the Device Manager keep-alive run as services of the cycle. A
// burn cut short by a power loss leaves the recovery marker: the next boot is
// the Recovery stage, which fetches an image over TFTP from DHCP options 66/67
// and restarts every few seconds until it works.
//
// Observing: Snapshot returns the current State; Subscribe returns a channel
// of Events. Neither blocks the phone: a subscriber that falls behind loses
// events, and Dropped counts them.
package device
