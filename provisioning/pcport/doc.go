// Package pcport is the phone's PC port: the small switch inside a desk
// phone that passes a computer's traffic to the LAN port (manual §3.1.2,
// §3.5.5, §7.6). Frames are bridged in user space between two interfaces
// with packet sockets (Linux, CAP_NET_RAW): the PC's frames go to the LAN;
// the LAN's go to the PC when they are for a computer seen on the PC port,
// or broadcast, or — with port mirroring (hub mode) — all of them. 802.1X
// frames pass through, so the computer authenticates itself with the
// switch; when the PC port loses its link the phone sends the switch an
// EAPOL-Logoff on behalf of each computer that had authenticated (the
// manual's proxy logoff), so that nobody else can use the open port.
package pcport
