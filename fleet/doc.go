// Package fleet runs many emulated phones in one process from a fleet file:
// who the phones are, the network and servers around them, how they power on,
// and a scenario of steps they go through, with the results as JSON, JUnit
// XML and Prometheus metrics.
//
// # Fleet files
//
// A fleet file is YAML. Groups of phones of one model each get consecutive
// MACs from the AudioCodes OUI (00:90:8f), and patterned credentials:
//
//	name: pairs
//	network:
//	  mode: loopback          # each phone its own 127.x.y.z (the default)
//	  lab: embedded           # DHCP, provisioning files and a registrar in-process
//	boot:
//	  storm: spread           # or all (at once)
//	  spread: 5s
//	phones:
//	  - group: desk
//	    model: 450HD
//	    count: 200
//	    mac: 00:90:8f:10:00:01
//	    user: "{{1000+i}}"     # i counts from 1 in the group, n in the fleet
//	    password: "pass{{user}}"
//	    config:                # keys of the phone's .cfg for the group
//	      voip/services/call_waiting/mode: ENABLE
//	scenario:
//	  - wait: registered
//	  - call: peer
//	    each: pairs            # 100 pairs: desk-1 calls desk-2, desk-3 desk-4, …
//	  - answer: peer
//	    each: pairs            # the second phone of each pair answers
//	  - check_audio: peer
//	    each: pairs            # both hear the other's tone
//	  - hangup:
//	    each: pairs
//
// Parse reports every problem at once, each with its line, column and field:
// unknown fields and steps, missing ones, bad values, references to phones
// the fleet does not have, overlapping MAC ranges, duplicate users.
//
// # Steps
//
// A step has one action (Actions lists them), an optional phones: selection
// (a group, an ID such as desk-3, desk[2..5], all), each: phone or pairs, by:
// a, b or both (who acts in a pair), timeout: and always: (run even on
// phones that failed before). Steps run one after the other; a step runs on
// all its phones at once. A phone that fails a step is reported and skips
// the later steps; the rest of the fleet goes on.
//
// Every phone sends a tone of its own as its microphone (Group.Tone, or one
// of a set chosen so that neighbours differ) and records what it hears;
// check_audio measures the far end's tone in the call with a Goertzel
// filter and reports its level in dBm0.
//
// # Running
//
// New makes a Fleet for one Shard of the file, Run boots it (the implicit
// "boot" step: every phone reaches the idle screen) and runs the scenario,
// and the Report it returns writes JSON (WriteJSON) and JUnit
// (WriteJUnit); Merge joins the reports of several shards. Metrics serves
// Prometheus metrics; the control API (fleet/api) drives the phones while the
// fleet runs.
package fleet
