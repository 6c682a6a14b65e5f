package ui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hdphone/hdphone/device/flash"
)

// The MENU tree (WEB, phone-screen menus):
//
//	Status > Network Status, Firmware Version
//	Settings > Date and Time, Ring Tones, Language, Audio Device
//	Administration (admin password) > Network Settings (LAN Connection
//	  Type, VLAN Settings, 802.1X Settings), Restore Defaults, Restart
//	Call Log > Missed, Received, Dialed Calls
//	Directory
//	Keys (RX50: the programmable keys)
//	Lock (with system/pin_lock/enabled=1)

// hintIP marks an address entry: '*' types the dot.
const hintIP = "Use * for the dot"

func (a *App) openMenu(v view) {
	items := []item{
		{Label: "Status", open: (*App).openStatus},
		{Label: "Settings", open: (*App).openSettings},
		{Label: "Administration", open: (*App).openAdminLogin},
		{Label: "Call Log", open: (*App).openCallLogMenu},
		{Label: "Directory", open: (*App).openDirectory},
	}
	if a.model.Caps.KeysInMenu {
		items = append(items, item{Label: "Keys", open: (*App).openKeys})
	}
	if v.flag("system/pin_lock/enabled") {
		items = append(items, item{Label: "Lock", open: (*App).openLock})
	}
	a.st.push(&page{kind: pageList, title: "Menu", items: items})
}

func (a *App) list(title string, items []item) {
	a.st.push(&page{kind: pageList, title: title, items: items})
}

// --- Status ---

func (a *App) openStatus() {
	a.list("Status", []item{
		{Label: "Network Status", open: (*App).openNetworkStatus},
		{Label: "Firmware Version", open: (*App).openFirmware},
	})
}

func (a *App) openNetworkStatus() {
	st := a.phone.Snapshot()
	n := st.Network
	addr, mask := "-", "-"
	if n.Address.IsValid() {
		addr = n.Address.Addr().String()
		mask = n.SubnetMask()
	}
	gw := "-"
	if n.Gateway.IsValid() {
		gw = n.Gateway.String()
	}
	var dns []string
	for _, d := range n.DNS {
		dns = append(dns, d.String())
	}
	lanType := "DHCP"
	if strings.EqualFold(st.Config.Get("network/lan_type"), "STATIC") {
		lanType = "Static IP"
	}
	vlan := "-"
	if n.VLAN > 0 {
		vlan = strconv.Itoa(n.VLAN)
	}
	a.list("Network Status", []item{
		{Label: "IP Address", Value: addr},
		{Label: "Subnet Mask", Value: mask},
		{Label: "Default Gateway", Value: gw},
		{Label: "DNS", Value: orDash(strings.Join(dns, " "))},
		{Label: "LAN Connection Type", Value: lanType},
		{Label: "VLAN ID", Value: vlan},
		{Label: "MAC Address", Value: st.MACAddress()},
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *App) openFirmware() {
	st := a.phone.Snapshot()
	a.list("Firmware Version", []item{
		{Label: "Firmware Version", Value: st.Firmware},
		{Label: "Model", Value: string(st.Model)},
	})
}

// --- Settings ---

func (a *App) openSettings() {
	a.list("Settings", []item{
		{Label: "Date and Time", open: (*App).openDateTime},
		{Label: "Ring Tones", open: (*App).openRingTones},
		{Label: "Language", open: (*App).openLanguage},
		{Label: "Audio Device", open: (*App).openAudioDevice},
	})
}

// choice is one option of a settings list: what the screen says and the
// value written to the configuration.
type choice struct{ label, value string }

// choose opens a list of options for key, marking the current one;
// selecting an option applies it.
func (a *App) choose(title, key string, opts []choice) {
	cur := a.phone.Snapshot().Config.Get(key)
	items := make([]item, len(opts))
	sel := 0
	for i, o := range opts {
		o := o
		items[i] = item{Label: o.label, Mark: strings.EqualFold(o.value, cur), open: func(a *App) {
			if a.apply(key + "=" + o.value) {
				a.st.pop()
			}
		}}
		if items[i].Mark {
			sel = i
		}
	}
	a.st.push(&page{kind: pageList, title: title, items: items, sel: sel})
}

func (a *App) openDateTime() {
	cfg := a.phone.Snapshot().Config
	ntp := "Disabled"
	if cfg.Bool("system/ntp/enabled") {
		ntp = "Enabled"
	}
	p := &page{kind: pageList, title: "Date and Time"}
	p.items = []item{
		{Label: "NTP Server", Value: a.tr(ntp), open: func(a *App) {
			// Changing the time source asks for the admin password.
			a.askPassword(func(a *App) {
				on := !a.phone.Snapshot().Config.Bool("system/ntp/enabled")
				a.apply("system/ntp/enabled=" + bool01(on))
				a.st.pop()
				a.openDateTime()
			})
		}},
		{Label: "Time Format", Value: cfg.Get("system/ntp/time_display_format"), open: func(a *App) {
			a.choose("Time Format", "system/ntp/time_display_format", []choice{{"24 Hour", "24Hour"}, {"12 Hour", "12Hour"}})
		}},
		{Label: "Date Format", Value: orDash(cfg.Get("system/ntp/date_display_format")), open: func(a *App) {
			a.choose("Date Format", "system/ntp/date_display_format", []choice{
				{"DD/MM/YYYY", "DD/MM/YYYY"}, {"MM/DD/YYYY", "MM/DD/YYYY"}, {"YYYY-MM-DD", "YYYY-MM-DD"},
				{"DDD DD MMM", "DDD DD MMM"}, {"DD.MM.YY", "DD.MM.YY"}})
		}},
	}
	a.st.push(p)
}

func (a *App) openRingTones() {
	var opts []choice
	for i := 1; i <= 11; i++ {
		t := fmt.Sprintf("Ring%02d", i)
		opts = append(opts, choice{t, t})
	}
	a.choose("Ring Tones", "personal_settings/lines/0/ring_tone", opts)
}

func (a *App) openLanguage() {
	cfg := a.phone.Snapshot().Config
	var opts []choice
	if p, ok := cfg.Catalogue().Param("personal_settings/language"); ok {
		for _, l := range p.Values {
			opts = append(opts, choice{languageName(l), l})
		}
	}
	a.choose("Language", "personal_settings/language", opts)
}

func (a *App) openAudioDevice() {
	a.choose("Audio Device", "voip/answer_device", []choice{{"Speaker", "SPEAKER"}, {"Headset", "HEADSET"}})
}

// --- Administration ---

// askPassword asks for the admin password (system/password, checked in
// whatever form it is kept) and runs then once it is right.
func (a *App) askPassword(then func(a *App)) {
	a.st.push(&page{kind: pageEntry, title: "Password", secret: true, alpha: true,
		hint: "# switches 123/abc",
		submit: func(a *App, pw string) {
			if !a.phone.Snapshot().Config.CheckSecret("system/password", pw) {
				a.note("Wrong password")
				if p := a.st.top(); p != nil {
					p.input, p.cursor = "", 0
				}
				return
			}
			a.st.pop()
			then(a)
		}})
}

func (a *App) openAdminLogin() {
	a.askPassword(func(a *App) {
		a.list("Administration", []item{
			{Label: "Network Settings", open: (*App).openNetworkSettings},
			{Label: "Restore Defaults", open: func(a *App) {
				a.confirm("Restore Defaults", "Warning. Restore settings?", func(a *App) {
					a.st.pages = nil
					a.try(a.phone.FactoryReset(a.ctx))
				})
			}},
			{Label: "Restart", open: func(a *App) {
				a.confirm("Restart", "Warning: Restart the phone?", func(a *App) {
					a.st.pages = nil
					a.try(a.phone.Reboot(a.ctx, "restart from the phone's menu"))
				})
			}},
		})
	})
}

func (a *App) confirm(title, question string, yes func(a *App)) {
	a.st.push(&page{kind: pageConfirm, title: title, lines: []string{question}, yes: yes})
}

func (a *App) openNetworkSettings() {
	a.list("Network Settings", []item{
		{Label: "LAN Connection Type", open: (*App).openLANType},
		{Label: "VLAN Settings", open: (*App).openVLAN},
		{Label: "802.1X Settings", open: (*App).openDot1X},
	})
}

func (a *App) openLANType() {
	static := strings.EqualFold(a.phone.Snapshot().Config.Get("network/lan_type"), "STATIC")
	sel := 0
	if static {
		sel = 1
	}
	a.st.push(&page{kind: pageList, title: "LAN Connection Type", sel: sel, items: []item{
		{Label: "Automatic IP (DHCP)", Mark: !static, open: func(a *App) {
			if a.apply("network/lan_type=DHCP") {
				a.st.pop()
			}
		}},
		{Label: "Static IP", Mark: static, open: (*App).openStaticIP},
	}})
}

// staticFields are the fields of the Static IP screen and their keys.
var staticFields = []struct{ label, key string }{
	{"IP Address", "network/lan/fixed_ip/ip_address"},
	{"Netmask", "network/lan/fixed_ip/netmask"},
	{"Gateway", "network/lan/fixed_ip/gateway"},
	{"Primary DNS", "network/lan/fixed_ip/primary_dns"},
	{"Secondary DNS", "network/lan/fixed_ip/secondary_dns"},
}

// openStaticIP is the Static IP screen: Edit a field (Clear deletes the
// digit left of the cursor, the arrows move it), Save it, Apply them all.
func (a *App) openStaticIP() {
	cfg := a.phone.Snapshot().Config
	ed := &page{kind: pageList, title: "Static IP", fields: map[string]string{},
		soft: []softkey{{"Edit", actEdit}, {"Apply", actApply}, {"", actNone}, {"Back", actBack}}}
	for _, f := range staticFields {
		ed.fields[f.key] = cfg.Get(f.key)
	}
	refresh := func() {
		ed.items = ed.items[:0]
		for _, f := range staticFields {
			ed.items = append(ed.items, item{Label: f.label, Value: orDash(ed.fields[f.key])})
		}
	}
	refresh()
	applyAll := func(a *App) {
		if ed.fields["network/lan/fixed_ip/ip_address"] == "" || ed.fields["network/lan/fixed_ip/netmask"] == "" {
			a.note("IP address and netmask are required")
			return
		}
		lines := []string{"network/lan_type=STATIC"}
		for _, f := range staticFields {
			if v := ed.fields[f.key]; v != "" {
				lines = append(lines, f.key+"="+v)
			}
		}
		if a.apply(lines...) {
			a.st.pages = nil
		}
	}
	edit := func(a *App) {
		f := staticFields[ed.sel]
		cur := ed.fields[f.key]
		save := func(a *App, text string) bool {
			if text != "" {
				ip, err := netip.ParseAddr(text)
				if err != nil || !ip.Is4() {
					a.note("Invalid address")
					return false
				}
			}
			ed.fields[f.key] = text
			refresh()
			return true
		}
		a.st.push(&page{kind: pageEntry, title: f.label, input: cur, cursor: width(cur), hint: hintIP,
			soft: []softkey{{"Save", actSave}, {"Clear", actClear}, {"Apply", actApply}, {"Cancel", actBack}},
			submit: func(a *App, text string) {
				if save(a, text) {
					a.st.pop()
				}
			},
			yes: func(a *App) {
				if p := a.st.top(); p != nil && save(a, p.input) {
					a.st.pop()
					applyAll(a)
				}
			}})
	}
	ed.onSoft = func(a *App, x act) bool {
		switch x {
		case actEdit, actSelect:
			edit(a)
		case actApply:
			applyAll(a)
		default:
			return false
		}
		return true
	}
	a.st.push(ed)
}

// vlanModes are the VLAN modes as the screen writes them, and their cfg
// tokens (parameters_notes 4: the cases differ).
var vlanModes = []choice{{"DISABLE", "Disable"}, {"MANUAL", "Manual"}, {"CDP", "CDP"}, {"LLDP", "LLDP"}, {"CDP_LLDP", "CDP_LLDP"}}

func (a *App) openVLAN() {
	cfg := a.phone.Snapshot().Config
	mode := cfg.Get("network/lan/vlan/mode")
	for _, m := range vlanModes {
		if strings.EqualFold(m.value, mode) {
			mode = m.label
		}
	}
	number := func(title, key string) func(a *App) {
		return func(a *App) {
			cur := a.phone.Snapshot().Config.Get(key)
			a.st.push(&page{kind: pageEntry, title: title, input: cur, cursor: width(cur),
				soft: []softkey{{"Save", actSave}, {"Clear", actClear}, {"", actNone}, {"Cancel", actBack}},
				submit: func(a *App, text string) {
					if _, err := strconv.Atoi(text); err != nil {
						a.note("Invalid value")
						return
					}
					if a.apply(key + "=" + text) {
						a.st.pop()
						a.st.pop()
						a.openVLAN()
					}
				}})
		}
	}
	a.st.push(&page{kind: pageList, title: "VLAN Settings", items: []item{
		{Label: "VLAN Mode", Value: mode, open: func(a *App) {
			a.choose("VLAN Mode", "network/lan/vlan/mode", vlanModes)
		}},
		{Label: "VLAN ID", Value: cfg.Get("network/lan/vlan/id"), open: number("VLAN ID", "network/lan/vlan/id")},
		{Label: "Priority", Value: cfg.Get("network/lan/vlan/priority"), open: number("Priority", "network/lan/vlan/priority")},
		{Label: "Interval", Value: cfg.Get("network/lan/vlan/period"), open: number("Interval", "network/lan/vlan/period")},
	}})
}

// openDot1X is the 802.1X Settings screen: saving a mode says the phone
// will restart, and it does (BOOT-19).
func (a *App) openDot1X() {
	cur := strings.ToUpper(a.phone.Snapshot().Config.Get("network/lan/_802_1x/eap_type"))
	restart := func(lines ...string) func(a *App) {
		return func(a *App) {
			a.confirm("802.1X Settings", "The phone will restart", func(a *App) {
				a.st.pages = nil
				if _, _, err := a.phone.ApplyConfig(a.ctx, "screen", []byte(strings.Join(lines, "\n")+"\n")); err != nil {
					a.note("Invalid value")
					return
				}
				a.try(a.phone.Reboot(a.ctx, "802.1X settings changed"))
			})
			a.st.top().soft = []softkey{{"Apply", actYes}, {"", actNone}, {"", actNone}, {"Cancel", actNo}}
		}
	}
	md5 := func(a *App) {
		cfg := a.phone.Snapshot().Config
		ed := &page{kind: pageList, title: "EAP-MD5", fields: map[string]string{
			"network/lan/_802_1x/md5_identity": cfg.Get("network/lan/_802_1x/md5_identity"),
		}, soft: []softkey{{"Edit", actEdit}, {"Save", actSave}, {"", actNone}, {"Back", actBack}}}
		keys := []struct{ label, key string }{{"Identity", "network/lan/_802_1x/md5_identity"}, {"Password", "network/lan/_802_1x/md5_password"}}
		refresh := func() {
			ed.items = []item{
				{Label: "Identity", Value: orDash(ed.fields[keys[0].key])},
				{Label: "Password", Value: strings.Repeat("*", width(ed.fields[keys[1].key]))},
			}
		}
		refresh()
		ed.onSoft = func(a *App, x act) bool {
			switch x {
			case actEdit, actSelect:
				k := keys[ed.sel]
				cur := ed.fields[k.key]
				a.st.push(&page{kind: pageEntry, title: k.label, input: cur, cursor: width(cur), alpha: true,
					secret: k.label == "Password", hint: "# switches 123/abc",
					submit: func(a *App, text string) {
						ed.fields[k.key] = text
						refresh()
						a.st.pop()
					}})
			case actSave:
				lines := []string{"network/lan/_802_1x/eap_type=EAP_MD5"}
				for _, k := range keys {
					lines = append(lines, k.key+"="+ed.fields[k.key])
				}
				restart(lines...)(a)
			default:
				return false
			}
			return true
		}
		a.st.push(ed)
	}
	items := []item{
		{Label: "Disabled", Mark: cur == "" || cur == "DISABLE", open: restart("network/lan/_802_1x/eap_type=Disable")},
		{Label: "EAP-MD5", Mark: cur == "EAP_MD5", open: md5},
		{Label: "EAP-TLS", Mark: cur == "EAP_TLS", open: restart("network/lan/_802_1x/eap_type=EAP_TLS")},
	}
	a.st.push(&page{kind: pageList, title: "802.1X Settings", items: items})
}

// --- Call log, directory, keys ---

func (a *App) openCallLogMenu() {
	a.list("Call Log", []item{
		{Label: "Missed Calls", open: func(a *App) { a.openCallLog(flash.Missed) }},
		{Label: "Received Calls", open: func(a *App) { a.openCallLog(flash.Received) }},
		{Label: "Dialed Calls", open: func(a *App) { a.openCallLog(flash.Dialed) }},
	})
}

var callLogTitles = map[flash.CallKind]string{flash.Missed: "Missed Calls", flash.Received: "Received Calls", flash.Dialed: "Dialed Calls"}

// openCallLog lists a call log; Dial (or OK) calls the entry back.
func (a *App) openCallLog(kind flash.CallKind) {
	if a.st.locked {
		a.note("Phone locked")
		return
	}
	calls, err := a.phone.CallHistory(kind)
	if err != nil {
		a.note("Not available")
		return
	}
	if kind == flash.Missed {
		a.markMissedSeen(calls)
	}
	items := make([]item, 0, len(calls))
	for _, c := range calls {
		label := c.Number
		if c.Name != "" {
			label = c.Name
		}
		number := c.Number
		items = append(items, item{Label: label, Value: formatTime(c.Time, a.phone.Snapshot().Config.Get("system/ntp/time_display_format"), ""),
			open: func(a *App) { a.st.pages = nil; a.dial(a.view(), number) }})
	}
	a.st.push(&page{kind: pageList, title: callLogTitles[kind], items: items,
		soft: []softkey{{"Dial", actSelect}, {"", actNone}, {"", actNone}, {"Back", actBack}}})
}

func (a *App) openDirectory() {
	items := make([]item, 0, len(a.st.contacts))
	for _, c := range a.st.contacts {
		number := c.Number
		items = append(items, item{Label: c.Name, Value: c.Number, open: func(a *App) { a.st.pages = nil; a.dial(a.view(), number) }})
	}
	a.st.push(&page{kind: pageList, title: "Directory", items: items,
		soft: []softkey{{"Dial", actSelect}, {"", actNone}, {"", actNone}, {"Back", actBack}}})
}

// openKeys is the RX50's Menu > Keys: the six programmable keys as a list
// (KEYS-4).
func (a *App) openKeys() {
	v := a.view()
	var items []item
	for _, n := range a.model.KeyIndices() {
		n := n
		items = append(items, item{Label: orDash(v.keyLabel(n)), Value: strconv.Itoa(n + 1), open: func(a *App) {
			a.st.pages = nil
			a.functionKey(a.view(), n)
		}})
	}
	a.list("Keys", items)
}

// --- Lock ---

// openLock locks the phone; the first time it asks for the PIN that will
// unlock it (LOCK-1).
func (a *App) openLock() {
	lock := func(a *App) {
		a.st.pages = nil
		a.st.locked = true
		a.try(a.phone.Lock(a.ctx, true))
	}
	if a.st.pin != "" {
		lock(a)
		return
	}
	a.st.push(&page{kind: pageEntry, title: "Set unlock PIN", secret: true, hint: "4 digits or more",
		submit: func(a *App, pin string) {
			if len(pin) < 4 || strings.Trim(pin, "0123456789") != "" {
				a.note("PIN must be 4 digits or more")
				return
			}
			a.st.pin = pin
			lock(a)
		}})
}

func (a *App) openUnlock() {
	a.st.push(&page{kind: pageEntry, title: "Unlock PIN", secret: true,
		submit: func(a *App, pin string) {
			if pin != a.st.pin {
				a.note("Wrong PIN")
				if p := a.st.top(); p != nil {
					p.input, p.cursor = "", 0
				}
				return
			}
			a.st.pages = nil
			a.st.locked = false
			a.try(a.phone.Lock(a.ctx, false))
		}})
}

// openEmergency is the Emergency softkey of a locked phone: only emergency
// numbers may be called (LOCK-2).
func (a *App) openEmergency() {
	a.st.push(&page{kind: pageEntry, title: "Emergency call", hint: strings.Join(a.st.emergency, " "),
		soft: []softkey{{"Dial", actOK}, {"Clear", actClear}, {"", actNone}, {"Cancel", actBack}},
		submit: func(a *App, number string) {
			for _, e := range a.st.emergency {
				if number == e {
					a.st.pages = nil
					_, err := a.phone.Dial(a.ctx, number)
					a.try(err)
					return
				}
			}
			a.note("Emergency numbers only")
		}})
}

func (a *App) tr(s string) string {
	return translate(a.phone.Snapshot().Config.Get("personal_settings/language"), s)
}

func bool01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
