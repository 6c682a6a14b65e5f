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
// Observing: Snapshot returns the current State; Subscribe returns a channel
// of Events. Neither blocks the phone: a subscriber that falls behind loses
// events, and Dropped counts them.
package device
