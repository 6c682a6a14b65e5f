package fleet

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device/model"
)

// File is a parsed and checked fleet file: the phones, the network they
// live on, how they boot and the scenario they run. Load and Parse make one;
// the zero File is an empty fleet.
type File struct {
	// Name names the fleet in reports; "" means the file's base name.
	Name    string
	Network Network
	Boot    Boot
	// Config are keys every phone's configuration gets, before its
	// group's own.
	Config   []KV
	Groups   []Group
	Scenario []Step

	// Phones is every phone of the fleet in order (all groups, before any
	// sharding), with its identity worked out from the group's patterns.
	Phones []PhoneSpec
}

// NetworkMode says where the phones' addresses come from.
type NetworkMode string

// Network modes.
const (
	// ModeLoopback gives every phone its own 127.x.y.z from
	// Network.Addresses (Linux routes all of 127/8 to lo with no set-up).
	ModeLoopback NetworkMode = "loopback"
	// ModeHost puts every phone on one address (a pod's IP, say), each with
	// its own SIP port from Network.SIPPortBase; media ports are chosen by
	// the kernel.
	ModeHost NetworkMode = "host"
	// ModeInterface runs each phone's DHCP client in raw mode on a real
	// interface (in a network namespace), as a phone on an Ethernet port.
	// Network.Interface is a pattern ("veth{{i}}"), so that each phone may
	// have its own port. The emulator does not configure interfaces: the
	// phone's other sockets (SIP, media) bind to its leased address, which
	// the host must already have (see device.NetConfig).
	ModeInterface NetworkMode = "interface"
)

// Network describes the phones' network and the servers around them.
type Network struct {
	Mode NetworkMode
	// Lab is true when the fleet brings the embedded lab (DHCP,
	// provisioning files, SIP registrar) up on loopback. It is the default
	// unless Registrar or ProvisioningURL name external servers.
	Lab bool
	// Addresses is where ModeLoopback takes phone addresses; the default is
	// 127.100.0.0/16.
	Addresses netip.Prefix
	// Address is ModeHost's single address; SIPPortBase its first SIP port
	// (phone n of the fleet uses SIPPortBase+2(n-1); default 5060). In
	// ModeLoopback SIPPortBase is every phone's SIP port, each on its own
	// address.
	Address     netip.Addr
	SIPPortBase int
	// Registrar is an external SIP registrar and proxy (host:port).
	Registrar string
	// Domain is the SIP domain of the lines; "" means the registrar's host
	// (or the lab's domain).
	Domain string
	// Transport is udp (default), tcp or tls.
	Transport string
	// DHCPServer is an external DHCP server the phones ask over UDP
	// (host:port); it must offer each phone the address it sends from.
	DHCPServer string
	// ProvisioningURL is an external provisioning server: each phone is set
	// to fetch <url>/<MAC>.cfg (static provisioning).
	ProvisioningURL string
	// Interface (a pattern) and Namespace place ModeInterface phones.
	Interface string
	Namespace string
	// Firmware, with the embedded lab, is the firmware version the lab
	// offers; phones running another version upgrade at boot. "" offers
	// none.
	Firmware string
	// NoDHCP, with the embedded lab, skips DHCP: each phone starts with the
	// lab's file server as its static provisioning URL (provisioning/method
	// Static) and keeps its loopback address. A phone then holds one socket
	// less (large fleets under a low open-file limit).
	NoDHCP bool
	// SharedSocket, in ModeLoopback over UDP, puts every phone's SIP
	// socket on one the fleet shares (datagram.Mux): a boot without a
	// socket to make per phone, and no descriptor per phone. The fleet then
	// holds its phones' SIP port (SIPPortBase) on every address of the host (or
	// of its network namespace), so two such fleets cannot run side by
	// side there, nor any other program on that port. Phones configured
	// with another port than SIPPortBase bind sockets of their own.
	SharedSocket bool
}

// Storm says how phones are powered on.
type Storm string

// Boot storms.
const (
	StormAll    Storm = "all"    // every phone at once
	StormSpread Storm = "spread" // evenly over Boot.Spread
)

// Boot describes the boot storm.
type Boot struct {
	Storm  Storm
	Spread time.Duration
	// Timeout bounds each phone's boot to the idle screen; 0 means 60 s.
	Timeout time.Duration
	// Concurrency is how many phones may be booting (powered on and not
	// yet idle) at once; the next powers on as one finishes, like SIPp's
	// call limit (-l). 0 means no limit.
	Concurrency int
}

// Group is a set of phones of one model with patterned identities.
type Group struct {
	Name  string
	Model *model.Model
	Count int
	// MAC is the first phone's MAC; the others follow it.
	MAC net.HardwareAddr
	// User and Password are patterns; Config values too.
	User, Password string
	Config         []KV
	// Tone is the frequency (Hz) of the tone the group's phones send as
	// their microphone; 0 gives each phone its own from a fixed set.
	Tone float64

	user, password *pattern
	config         []*pattern
}

// PhoneSpec is one phone of the fleet as the file defines it.
type PhoneSpec struct {
	ID       string // <group>-<i>, e.g. desk-12
	Group    string
	Index    int // i: 1-based index in the group
	N        int // n: 1-based index in the fleet
	Model    model.Name
	MAC      net.HardwareAddr
	User     string
	Password string
	// Config is the group's configuration with patterns expanded.
	Config []KV
	Tone   float64
	// Interface is the phone's port in ModeInterface.
	Interface string
}

// Known fields, for the messages about unknown ones.
var (
	topFields     = []string{"name", "network", "boot", "config", "phones", "scenario"}
	networkFields = []string{"mode", "lab", "dhcp", "addresses", "address", "sip_port_base", "registrar", "domain", "transport", "dhcp_server", "provisioning_url", "interface", "namespace", "firmware", "shared_socket"}
	bootFields    = []string{"storm", "spread", "timeout", "concurrency"}
	groupFields   = []string{"group", "model", "count", "mac", "user", "password", "config", "tone"}
)

// MaxPhones bounds a fleet file (a 16-bit MAC range per group, and what a
// machine can hold).
const MaxPhones = 100000

// DefaultAddresses is where loopback phones get their addresses.
var DefaultAddresses = netip.MustParsePrefix("127.100.0.0/16")

// Load reads and parses a fleet file.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return Parse(path, b)
}

// Parse parses and checks a fleet file. name is used in error messages and
// as the default fleet name. Every problem found is returned in one
// FileErrors, each with its line, column and field.
func Parse(name string, data []byte) (*File, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, FileErrors{{File: name, Msg: "the file holds binary data"}}
	}
	root, err := parseTree(name, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: name, pos: map[string][2]int{}}
	f := &File{}
	top := d.asObject(root, "")
	top.str("name", &f.Name)
	if n, ok := top.take("network"); ok {
		f.Network = d.network(d.asObject(n, "network"))
	} else {
		f.Network = d.network(d.asObject(nil, "network"))
	}
	if n, ok := top.take("boot"); ok {
		f.Boot = d.boot(d.asObject(n, "boot"))
	} else {
		f.Boot = d.boot(d.asObject(nil, "boot"))
	}
	top.kvs("config", &f.Config)
	if ns, ok := top.list("phones"); ok {
		for i, n := range ns {
			g := d.group(d.asObject(n, fmt.Sprintf("phones[%d]", i)))
			// The fleet's keys come first; the group's may override them.
			if len(f.Config) > 0 {
				var pats []*pattern
				for _, kv := range f.Config {
					p, err := parsePattern(kv.Value)
					if err != nil {
						d.errField("config."+kv.Key, "%v", err)
					}
					pats = append(pats, p)
				}
				g.Config = append(append([]KV{}, f.Config...), g.Config...)
				g.config = append(pats, g.config...)
			}
			f.Groups = append(f.Groups, g)
		}
	}
	if len(f.Groups) == 0 {
		d.errAt(root, "phones", "the fleet has no phones (a phones: list of groups is required)")
	}
	// The phones are worked out before the scenario is read, so that a
	// bad reference is reported along with the scenario's other problems.
	expanded := false
	if len(d.errs) == 0 {
		d.expand(f)
		expanded = len(d.errs) == 0
	}

	if ns, ok := top.list("scenario"); ok {
		for i, n := range ns {
			f.Scenario = append(f.Scenario, d.step(n, fmt.Sprintf("scenario[%d]", i), i))
		}
	}
	top.done(topFields...)
	if f.Name == "" {
		f.Name = baseName(name)
	}

	if expanded {
		d.resolveSteps(f)
	}
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, d.errs
	}
	return f, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		p = strings.TrimSuffix(p, ext)
	}
	if p == "" {
		return "fleet"
	}
	return p
}

func sortErrors(es FileErrors) {
	// Stable insertion sort by line: the lists are short.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Line < es[j-1].Line; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func (d *decoder) network(o *object) Network {
	n := Network{Mode: ModeLoopback, Addresses: DefaultAddresses, SIPPortBase: defaultSIPPort, Transport: "udp"}
	var mode, lab, addrs, addr, transport string
	if o.str("mode", &mode) && mode != "" {
		if m, ok := o.oneOf("mode", mode, string(ModeLoopback), string(ModeHost), string(ModeInterface)); ok {
			n.Mode = NetworkMode(m)
		}
	}
	o.str("registrar", &n.Registrar)
	o.str("domain", &n.Domain)
	o.str("dhcp_server", &n.DHCPServer)
	o.str("provisioning_url", &n.ProvisioningURL)
	o.str("interface", &n.Interface)
	o.str("namespace", &n.Namespace)
	o.str("firmware", &n.Firmware)
	o.integer("sip_port_base", &n.SIPPortBase)
	if o.str("transport", &transport) && transport != "" {
		if t, ok := o.oneOf("transport", strings.ToLower(transport), "udp", "tcp", "tls"); ok {
			n.Transport = t
		}
	}
	n.Lab = n.Registrar == "" && n.ProvisioningURL == ""
	if o.str("lab", &lab) && lab != "" {
		if l, ok := o.oneOf("lab", lab, "embedded", "external"); ok {
			n.Lab = l == "embedded"
		}
	}
	dhcp := true
	o.boolean("dhcp", &dhcp)
	n.NoDHCP = !dhcp
	if n.NoDHCP && !n.Lab {
		d.errAt(o.vals["dhcp"], o.sub("dhcp"), "dhcp: false only applies to the embedded lab (give no dhcp_server instead)")
	}
	if o.boolean("shared_socket", &n.SharedSocket) && n.SharedSocket && (n.Mode != ModeLoopback || n.Transport != "udp") {
		d.errAt(o.vals["shared_socket"], o.sub("shared_socket"), "only mode loopback over udp shares a socket")
	}
	if o.str("addresses", &addrs) && addrs != "" {
		p, err := netip.ParsePrefix(addrs)
		switch {
		case err != nil:
			d.errAt(o.vals["addresses"], o.sub("addresses"), "want a prefix such as 127.100.0.0/16: %v", err)
		case !p.Addr().Is4():
			d.errAt(o.vals["addresses"], o.sub("addresses"), "only IPv4 prefixes are supported")
		default:
			n.Addresses = p.Masked()
		}
	}
	if n.SharedSocket && (!n.Addresses.Addr().IsLoopback() || n.Addresses.Bits() < 8) {
		d.errAt(o.vals["shared_socket"], o.sub("shared_socket"), "a shared socket serves loopback addresses (127.0.0.0/8), not %s", n.Addresses)
	}
	if o.str("address", &addr) && addr != "" {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			d.errAt(o.vals["address"], o.sub("address"), "want an IP address: %v", err)
		}
		n.Address = a
	}
	if n.SIPPortBase < 1024 || n.SIPPortBase > 65000 {
		d.errAt(o.vals["sip_port_base"], o.sub("sip_port_base"), "SIP port base %d is outside 1024-65000", n.SIPPortBase)
	}
	for _, k := range []string{"registrar", "dhcp_server"} {
		v := map[string]string{"registrar": n.Registrar, "dhcp_server": n.DHCPServer}[k]
		if v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			d.errAt(o.vals[k], o.sub(k), "want host:port, found %q", v)
		}
	}
	if n.ProvisioningURL != "" && !strings.Contains(n.ProvisioningURL, "://") {
		d.errAt(o.vals["provisioning_url"], o.sub("provisioning_url"), "want a URL such as http://host:port/path, found %q", n.ProvisioningURL)
	}
	switch n.Mode {
	case ModeHost:
		if !n.Address.IsValid() {
			d.errAt(o.node, "network.address", "mode host needs the address every phone uses")
		}
	case ModeInterface:
		if n.Interface == "" {
			d.errAt(o.node, "network.interface", "mode interface needs the interface the phones are on")
		} else if _, err := parsePattern(n.Interface); err != nil {
			d.errAt(o.vals["interface"], o.sub("interface"), "%v", err)
		}
	}
	if !n.Lab && n.Registrar == "" && n.ProvisioningURL == "" {
		d.errAt(o.node, "network.registrar", "with lab: external the fleet needs a registrar or a provisioning_url")
	}
	o.done(networkFields...)
	return n
}

func (d *decoder) boot(o *object) Boot {
	b := Boot{Storm: StormAll, Timeout: 60 * time.Second}
	var storm string
	if o.str("storm", &storm) && storm != "" {
		if s, ok := o.oneOf("storm", storm, string(StormAll), string(StormSpread)); ok {
			b.Storm = Storm(s)
		}
	}
	o.duration("spread", &b.Spread)
	o.duration("timeout", &b.Timeout)
	if o.integer("concurrency", &b.Concurrency) && b.Concurrency < 0 {
		d.errAt(o.vals["concurrency"], o.sub("concurrency"), "concurrency %d: want 0 (no limit) or more", b.Concurrency)
	}
	if b.Storm == StormSpread && b.Spread <= 0 {
		d.errAt(o.node, "boot.spread", "storm spread needs spread: the time to spread the power-ons over")
	}
	if b.Timeout <= 0 {
		b.Timeout = 60 * time.Second
	}
	o.done(bootFields...)
	return b
}

func (d *decoder) group(o *object) Group {
	g := Group{User: "{{1000+n}}", Password: "pass{{user}}"}
	if !o.str("group", &g.Name) || g.Name == "" {
		d.errAt(o.node, o.sub("group"), "missing field group (the group's name)")
	} else if !validName(g.Name) {
		d.errAt(o.vals["group"], o.sub("group"), "group name %q: use letters, digits, _ and - (at least one letter)", g.Name)
	}
	var m string
	if !o.str("model", &m) || m == "" {
		d.errAt(o.node, o.sub("model"), "missing field model (445HD, 450HD, C450HD, RX50 or HRS)")
	} else if mm, err := model.Lookup(m); err != nil {
		d.errAt(o.vals["model"], o.sub("model"), "unknown model %q (445HD, 450HD, C450HD, RX50 or HRS)", m)
	} else {
		g.Model = mm
	}
	if !o.has("count") {
		g.Count = 1
	} else if o.integer("count", &g.Count) && (g.Count < 1 || g.Count > MaxPhones) {
		d.errAt(o.vals["count"], o.sub("count"), "count %d is outside 1-%d", g.Count, MaxPhones)
	}
	var mac string
	if o.str("mac", &mac) && mac != "" {
		hw, err := parseMAC(mac)
		switch {
		case err != nil:
			d.errAt(o.vals["mac"], o.sub("mac"), "%v", err)
		case hw[0] != 0x00 || hw[1] != 0x90 || hw[2] != 0x8f:
			d.errAt(o.vals["mac"], o.sub("mac"), "MAC %s is not in the AudioCodes OUI 00:90:8f", hw)
		default:
			g.MAC = hw
		}
	}
	o.str("user", &g.User)
	o.str("password", &g.Password)
	o.kvs("config", &g.Config)
	o.number("tone", &g.Tone)
	if g.Tone != 0 && (g.Tone < 100 || g.Tone > 3400) {
		d.errAt(o.vals["tone"], o.sub("tone"), "tone %g Hz is outside the telephone band 100-3400 Hz", g.Tone)
	}
	var err error
	if g.user, err = parsePattern(g.User); err != nil {
		d.errAt(o.vals["user"], o.sub("user"), "%v", err)
	}
	if g.password, err = parsePattern(g.Password); err != nil {
		d.errAt(o.vals["password"], o.sub("password"), "%v", err)
	}
	for i, kv := range g.Config {
		p, err := parsePattern(kv.Value)
		if err != nil {
			d.errAt(nil, o.sub("config")+"."+kv.Key, "%v", err)
		}
		g.config = append(g.config, p)
		_ = i
	}
	if g.user != nil && (g.user.uses("user") || g.user.uses("password")) {
		d.errAt(o.vals["user"], o.sub("user"), "the user pattern cannot use {{user}} or {{password}}")
	}
	if g.password != nil && g.password.uses("password") {
		d.errAt(o.vals["password"], o.sub("password"), "the password pattern cannot use {{password}}")
	}
	o.done(groupFields...)
	return g
}

func validName(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '_' || c == '-' && i > 0:
		default:
			return false
		}
	}
	return letter
}

// parseMAC accepts 00908f000001, 00:90:8f:00:00:01 and 00-90-8F-00-00-01.
func parseMAC(s string) (net.HardwareAddr, error) {
	clean := strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.TrimSpace(s))
	if len(clean) != 12 {
		return nil, fmt.Errorf("MAC %q: want 12 hex digits", s)
	}
	out := make(net.HardwareAddr, 6)
	for i := range out {
		v, err := strconv.ParseUint(clean[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("MAC %q: want 12 hex digits", s)
		}
		out[i] = byte(v)
	}
	return out, nil
}

func macNum(m net.HardwareAddr) uint64 {
	var v uint64
	for _, b := range m {
		v = v<<8 | uint64(b)
	}
	return v
}

func macFromNum(v uint64) net.HardwareAddr {
	m := make(net.HardwareAddr, 6)
	for i := 5; i >= 0; i-- {
		m[i] = byte(v)
		v >>= 8
	}
	return m
}

// defaultMACBase is where groups without a mac: start, one after the other:
// 00:90:8f:a0:00:01 and on.
const defaultMACBase = 0x00908fa00001

// toneSet are the frequencies phones send by default: neighbours in the
// fleet (the two phones of a pair, a transfer target) differ.
var toneSet = []float64{400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900}

// expand works out every phone's identity and checks that MACs, users and
// addresses are unique.
func (d *decoder) expand(f *File) {
	total := 0
	for _, g := range f.Groups {
		total += g.Count
	}
	if total > MaxPhones {
		d.errField("phones", "the fleet has %d phones, more than %d", total, MaxPhones)
		return
	}
	seenGroup := map[string]int{}
	for gi, g := range f.Groups {
		if prev, dup := seenGroup[g.Name]; dup {
			d.errField(fmt.Sprintf("phones[%d].group", gi), "group %q is already defined by phones[%d]", g.Name, prev)
		}
		seenGroup[g.Name] = gi
	}
	// MAC ranges: explicit ones first, then the others packed after the
	// default base, skipping the explicit ranges.
	type span struct {
		lo, hi uint64
		gi     int
	}
	var spans []span
	for gi, g := range f.Groups {
		if g.MAC == nil {
			continue
		}
		lo := macNum(g.MAC)
		hi := lo + uint64(g.Count) - 1
		if hi>>24 != 0x00908f {
			d.errField(fmt.Sprintf("phones[%d].mac", gi), "%d phones from %s run past the end of the OUI 00:90:8f", g.Count, g.MAC)
			continue
		}
		for _, s := range spans {
			if lo <= s.hi && s.lo <= hi {
				d.errField(fmt.Sprintf("phones[%d].mac", gi), "MAC range %s-%s of group %q overlaps %s-%s of group %q",
					macFromNum(lo), macFromNum(hi), g.Name, macFromNum(s.lo), macFromNum(s.hi), f.Groups[s.gi].Name)
			}
		}
		spans = append(spans, span{lo, hi, gi})
	}
	next := uint64(defaultMACBase)
	for gi := range f.Groups {
		g := &f.Groups[gi]
		if g.MAC != nil {
			continue
		}
		for {
			lo, hi := next, next+uint64(g.Count)-1
			clash := false
			for _, s := range spans {
				if lo <= s.hi && s.lo <= hi {
					next, clash = s.hi+1, true
				}
			}
			if !clash {
				break
			}
		}
		g.MAC = macFromNum(next)
		spans = append(spans, span{next, next + uint64(g.Count) - 1, gi})
		next += uint64(g.Count)
		if (next-1)>>24 != 0x00908f {
			d.errField(fmt.Sprintf("phones[%d]", gi), "the default MAC range ran out; give the group a mac:")
			return
		}
	}
	if len(d.errs) > 0 {
		return
	}
	users := map[string]string{}
	n := 0
	for gi, g := range f.Groups {
		base := macNum(g.MAC)
		for i := 1; i <= g.Count; i++ {
			n++
			ps := PhoneSpec{
				ID:    fmt.Sprintf("%s-%d", g.Name, i),
				Group: g.Name, Index: i, N: n,
				Model: g.Model.Name,
				MAC:   macFromNum(base + uint64(i-1)),
				Tone:  g.Tone,
			}
			if ps.Tone == 0 {
				ps.Tone = toneSet[(n-1)%len(toneSet)]
			}
			v := vars{
				ints: map[string]int{"i": i, "n": n},
				strs: map[string]string{"mac": strings.ReplaceAll(ps.MAC.String(), ":", ""), "group": g.Name, "model": string(g.Model.Name), "id": ps.ID},
			}
			var err error
			if ps.User, err = g.user.eval(v); err != nil {
				d.errField(fmt.Sprintf("phones[%d].user", gi), "%v", err)
				return
			}
			v.strs["user"] = ps.User
			if ps.Password, err = g.password.eval(v); err != nil {
				d.errField(fmt.Sprintf("phones[%d].password", gi), "%v", err)
				return
			}
			v.strs["password"] = ps.Password
			for ci, kv := range g.Config {
				val, err := g.config[ci].eval(v)
				if err != nil {
					d.errField(fmt.Sprintf("phones[%d].config.%s", gi, kv.Key), "%v", err)
					return
				}
				ps.Config = append(ps.Config, KV{Key: kv.Key, Value: val})
			}
			if ps.User != "" {
				if other, dup := users[ps.User]; dup {
					d.errField(fmt.Sprintf("phones[%d].user", gi), "user %q of %s is also the user of %s", ps.User, ps.ID, other)
					return
				}
				users[ps.User] = ps.ID
			}
			if f.Network.Mode == ModeInterface {
				pat, err := parsePattern(f.Network.Interface)
				if err == nil {
					ps.Interface, err = pat.eval(v)
				}
				if err != nil {
					d.errField("network.interface", "%v", err)
					return
				}
			}
			f.Phones = append(f.Phones, ps)
		}
	}
	d.checkConfig(f)
	if f.Network.Mode == ModeLoopback {
		if size := 1 << (32 - f.Network.Addresses.Bits()); len(f.Phones) > size*250/256 {
			d.errField("network.addresses", "%s holds too few addresses for %d phones", f.Network.Addresses, len(f.Phones))
		}
	}
	if f.Network.Mode == ModeHost && f.Network.SIPPortBase+2*len(f.Phones) > 65535 {
		d.errField("network.sip_port_base", "%d phones from SIP port %d run past 65535", len(f.Phones), f.Network.SIPPortBase)
	}
}

// checkConfig validates each group's configuration keys against the
// parameter catalogue, with the first phone's values.
func (d *decoder) checkConfig(f *File) {
	cat := config.Default()
	first := map[string]PhoneSpec{}
	for _, p := range f.Phones {
		if _, ok := first[p.Group]; !ok {
			first[p.Group] = p
		}
	}
	for gi, g := range f.Groups {
		c := cat.New(string(g.Model.Name))
		for _, kv := range first[g.Name].Config {
			if err := c.Set(kv.Key, kv.Value); err != nil {
				d.errField(fmt.Sprintf("phones[%d].config.%s", gi, kv.Key), "%v", err)
			}
		}
	}
}

// groupByName returns the group called name.
func (f *File) groupByName(name string) (int, *Group) {
	for i := range f.Groups {
		if f.Groups[i].Name == name {
			return i, &f.Groups[i]
		}
	}
	return -1, nil
}

// firstN returns the fleet index (0-based) of the first phone of group gi.
func (f *File) firstN(gi int) int {
	n := 0
	for i := 0; i < gi; i++ {
		n += f.Groups[i].Count
	}
	return n
}
