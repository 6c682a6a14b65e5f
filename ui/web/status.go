package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
	"github.com/hdphone/hdphone/device"
	"github.com/hdphone/hdphone/device/model"
)

// row is a label and a value on a status page.
type row struct{ Label, Value string }

type sectionData struct {
	Name string
	Rows []row
}

type sectionsData struct {
	Sections []sectionData
	Note     string
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// networkStatus shows LAN information, Port Mode status and 802.1X status
// (STAT-1, §6.1).
func (s *Server) networkStatus(w http.ResponseWriter, r *http.Request, c *reqctx) {
	st, cfg := c.state, c.state.Config
	n := st.Network
	lan := []row{
		{"LAN Connection Type", cfg.Get("network/lan_type")},
		{"MAC Address", st.MACAddress()},
	}
	if n.Address.IsValid() {
		lan = append(lan, row{"IP Address", n.Address.Addr().String()}, row{"Subnet Mask", n.SubnetMask()})
	} else {
		lan = append(lan, row{"IP Address", "not acquired"}, row{"Subnet Mask", "—"})
	}
	gw := ""
	if n.Gateway.IsValid() {
		gw = n.Gateway.String()
	}
	lan = append(lan, row{"Default Gateway", orNone(gw)})
	for i, label := range []string{"Primary DNS", "Secondary DNS"} {
		v := ""
		if i < len(n.DNS) {
			v = n.DNS[i].String()
		}
		lan = append(lan, row{label, orNone(v)})
	}
	lan = append(lan, row{"Domain Name", orNone(n.DomainName)})
	vlan := cfg.Get("network/lan/vlan/mode")
	if n.VLAN > 0 {
		vlan += " (VLAN ID " + strconv.Itoa(n.VLAN) + ")"
	}
	lan = append(lan, row{"VLAN", vlan})
	if n.DHCPServer.IsValid() {
		lan = append(lan, row{"DHCP Server", n.DHCPServer.String()}, row{"Lease Time", n.LeaseTime.String()})
	}
	port := func(key string) string {
		if v := cfg.Get(key); v != "" {
			return v
		}
		return "AUTOMATIC"
	}
	ports := []row{{"LAN Port Mode", port("network/lan/port_mode")}}
	if s.phone.Model().Caps.PCPort {
		ports = append(ports, row{"PC Port Mode", port("network/pc/port_mode")})
	}
	eap := cfg.Get("network/lan/_802_1x/eap_type")
	if eap == "" {
		eap = "Disable"
	}
	dot1x := []row{{"EAP Type", eap}}
	switch {
	case strings.EqualFold(eap, "Disable"):
		dot1x = append(dot1x, row{"Status", "Disabled"})
	case n.Dot1X != "":
		dot1x = append(dot1x, row{"Status", n.Dot1X})
	default:
		dot1x = append(dot1x, row{"Status", "Not authenticated (no Ethernet port)"})
	}
	s.renderPage(w, c, "sections", http.StatusOK, "", "", sectionsData{Sections: []sectionData{
		{"LAN Information", lan}, {"Port Mode Status", ports}, {"802.1X Status", dot1x},
	}})
}

// voipStatus shows Phone Status, Line Status and, during an established
// call, Call Information (STAT-2, §6.2).
func (s *Server) voipStatus(w http.ResponseWriter, r *http.Request, c *reqctx) {
	st, cfg := c.state, c.state.Config
	phone := []row{
		{"Phone Model", string(st.Model)},
		{"Firmware Version", st.Firmware},
		{"State", string(st.Stage)},
		{"SIP Transport", orNone(cfg.Get("voip/signalling/sip/transport_protocol"))},
		{"SIP Proxy", orNone(cfg.Get("voip/signalling/sip/proxy_address"))},
	}
	d := sectionsData{Sections: []sectionData{{"Phone Status", phone}}}
	var lines []row
	var calls []CallInfo
	if s.cfg.VoIP != nil {
		for _, l := range s.cfg.VoIP.Lines() {
			lines = append(lines, row{fmt.Sprintf("Line %d (%s)", l.Line+1, orNone(l.ID)), l.Status})
		}
		calls = s.cfg.VoIP.Calls()
	} else {
		lines, calls = voipFromState(st, s.clk.Now())
	}
	if len(lines) == 0 {
		lines = []row{{"Lines", "No line is configured"}}
	}
	d.Sections = append(d.Sections, sectionData{"Line Status", lines})
	// Call Information is shown only while a call is established (STAT-2).
	for _, call := range calls {
		if !call.Established {
			continue
		}
		d.Sections = append(d.Sections, sectionData{"Call Information", []row{
			{"Line", strconv.Itoa(call.Line + 1)}, {"Remote", call.Remote}, {"Codec", orNone(call.Codec)},
			{"Duration", call.Duration.Round(time.Second).String()}, {"Packets", orNone(call.Packets)},
		}})
	}
	s.renderPage(w, c, "sections", http.StatusOK, "", "", d)
}

// voipFromState reads line registrations and established calls from the
// phone's state.
func voipFromState(st device.State, now time.Time) ([]row, []CallInfo) {
	byLine := map[int]row{}
	for _, l := range st.Lines {
		if l.State == device.RegDisabled && l.ID == "" {
			continue
		}
		status := map[device.RegState]string{
			device.RegDisabled: "Disabled", device.RegRegistering: "Registering",
			device.RegRegistered: "Registered", device.RegFailed: "Registration failed",
		}[l.State]
		if l.Registrar != "" && l.State == device.RegRegistered {
			status += " at " + l.Registrar
		}
		if l.Reason != "" {
			status += " (" + l.Reason + ")"
		}
		byLine[l.Index] = row{fmt.Sprintf("Line %d (%s)", l.Index+1, orNone(l.ID)), status}
	}
	// A configured line no SIP agent reports (none is running, or it has
	// not taken up a change yet) is shown as configured.
	for n := 0; n < 16; n++ {
		id, _, err := st.Config.Lookup(fmt.Sprintf("voip/line/%d/id", n))
		if err != nil {
			break
		}
		if _, ok := byLine[n]; !ok && id != "" {
			byLine[n] = row{fmt.Sprintf("Line %d (%s)", n+1, id), "Not registered"}
		}
	}
	var lines []row
	for _, n := range slices.Sorted(maps.Keys(byLine)) {
		lines = append(lines, byLine[n])
	}
	var calls []CallInfo
	for _, c := range st.Calls {
		est := c.State == device.CallConnected || c.State == device.CallHeld
		remote := c.RemoteURI
		if c.RemoteName != "" {
			remote = c.RemoteName + " <" + c.RemoteURI + ">"
		}
		var dur time.Duration
		if !c.Answered.IsZero() {
			dur = now.Sub(c.Answered)
		}
		calls = append(calls, CallInfo{Line: c.Line, Remote: remote, Codec: c.Codec, Duration: dur, Established: est})
	}
	return lines, calls
}

type historyData struct {
	Available bool
	Type      CallType
	Types     []typeOption
	Calls     []Call
}

type typeOption struct {
	Type     CallType
	Label    string
	Selected bool
}

func callType(v string) CallType {
	for _, t := range CallTypes {
		if string(t.Type) == v {
			return t.Type
		}
	}
	return CallMissed
}

func (s *Server) historyData(t CallType) (historyData, error) {
	d := historyData{Available: s.cfg.History != nil, Type: t}
	for _, o := range CallTypes {
		d.Types = append(d.Types, typeOption{o.Type, o.Label, o.Type == t})
	}
	if s.cfg.History == nil {
		return d, nil
	}
	calls, err := s.cfg.History.Calls(t)
	d.Calls = calls
	return d, err
}

// callHistory lists the calls of the chosen Type (STAT-3, §6.3).
func (s *Server) callHistory(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d, err := s.historyData(callType(r.URL.Query().Get("type")))
	if err != nil {
		s.renderPage(w, c, "history", http.StatusInternalServerError, "", "The call history could not be read: "+err.Error(), d)
		return
	}
	s.renderPage(w, c, "history", http.StatusOK, "", "", d)
}

// callHistoryDelete deletes the ticked entries.
func (s *Server) callHistoryDelete(w http.ResponseWriter, r *http.Request, c *reqctx) {
	t := callType(r.PostForm.Get("type"))
	if s.cfg.History == nil {
		d, _ := s.historyData(t)
		s.renderPage(w, c, "history", http.StatusNotImplemented, "", "Call history is not available on this phone.", d)
		return
	}
	ids := r.PostForm["delete"]
	var failed []string
	for _, id := range ids {
		if err := s.cfg.History.DeleteCall(t, id); err != nil {
			failed = append(failed, err.Error())
		}
	}
	d, err := s.historyData(t)
	switch {
	case len(failed) > 0:
		s.renderPage(w, c, "history", http.StatusInternalServerError, "", "Some entries were not deleted: "+strings.Join(failed, "; "), d)
	case err != nil:
		s.renderPage(w, c, "history", http.StatusInternalServerError, "", err.Error(), d)
	case len(ids) == 0:
		s.renderPage(w, c, "history", http.StatusOK, "", "No entry was ticked.", d)
	default:
		s.renderPage(w, c, "history", http.StatusOK, fmt.Sprintf("%d entries deleted.", len(ids)), "", d)
	}
}

// syslogField is one setting of the System Logging page.
type syslogField struct {
	Key, Label string
	Value      string
	Options    []string // empty: free text
}

func (s *Server) syslogFields(cfg *config.Config) []syslogField {
	fields := []syslogField{
		{Key: "system/syslog/mode", Label: "Log Destination"},
		{Key: "system/syslog/server_address", Label: "Syslog Server Address"},
		{Key: "system/syslog/server_port", Label: "Syslog Server Port"},
		{Key: "system/syslog/log_level", Label: "Log Level"},
	}
	for _, p := range cfg.Catalogue().Params() {
		if name, ok := strings.CutPrefix(p.Key, "system/syslog/component/"); ok {
			fields = append(fields, syslogField{Key: p.Key, Label: name})
		}
	}
	for i := range fields {
		f := &fields[i]
		f.Value = cfg.Get(f.Key)
		if p, _, _, err := cfg.Catalogue().Resolve(f.Key); err == nil && p.Type == config.TypeEnum {
			f.Options = slices.Clone(p.Values)
			if !slices.Contains(f.Options, f.Value) {
				// The manual's own odd defaults ("Debug", empty) stay selectable.
				f.Options = append([]string{f.Value}, f.Options...)
			}
		}
	}
	return fields
}

func (s *Server) syslogPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "syslog", http.StatusOK, "", "", s.syslogFields(c.state.Config))
}

// syslogPost applies the changed System Logging settings through the
// phone's validation: a bad value changes nothing.
func (s *Server) syslogPost(w http.ResponseWriter, r *http.Request, c *reqctx) {
	cfg := c.state.Config
	var b strings.Builder
	changed := 0
	for _, f := range s.syslogFields(cfg) {
		v, ok := r.PostForm[f.Key]
		if !ok || len(v) != 1 {
			continue
		}
		if v[0] != f.Value {
			if strings.ContainsAny(v[0], "\r\n\x00") {
				s.renderPage(w, c, "syslog", http.StatusUnprocessableEntity, "", f.Label+": the value holds control characters; nothing was changed.", s.syslogFields(cfg))
				return
			}
			fmt.Fprintf(&b, "%s=%s\n", f.Key, v[0])
			changed++
		}
	}
	if changed == 0 {
		s.renderPage(w, c, "syslog", http.StatusOK, "Nothing was changed.", "", s.syslogFields(cfg))
		return
	}
	_, _, err := s.phone.ApplyConfig(r.Context(), "web:syslog", []byte(b.String()))
	if err != nil {
		s.renderPage(w, c, "syslog", http.StatusUnprocessableEntity, "", "Not applied; nothing was changed: "+strings.ReplaceAll(err.Error(), "\n", "; "), s.syslogFields(cfg))
		return
	}
	s.renderPage(w, c, "syslog", http.StatusOK, fmt.Sprintf("%d settings applied.", changed), "", s.syslogFields(s.phone.Snapshot().Config))
}

type tombstoneData struct {
	Available bool
	Count     int
	Last      string
}

// tombstonePage shows the crash count and the last crash time (DIAG-5).
func (s *Server) tombstonePage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d := tombstoneData{Available: s.cfg.Tombstones != nil}
	if s.cfg.Tombstones != nil {
		t, err := s.cfg.Tombstones.Tombstones()
		if err != nil {
			s.renderPage(w, c, "tombstone", http.StatusInternalServerError, "", "The crash dumps could not be read: "+err.Error(), d)
			return
		}
		d.Count = t.Count
		if !t.Last.IsZero() {
			d.Last = t.Last.Format("2006-01-02 15:04:05")
		}
	}
	s.renderPage(w, c, "tombstone", http.StatusOK, "", "", d)
}

func (s *Server) tombstoneDownload(w http.ResponseWriter, r *http.Request, c *reqctx) {
	if s.cfg.Tombstones == nil {
		http.Error(w, "Crash dumps are not available on this phone.", http.StatusNotImplemented)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="tombstones_`+c.state.MAC+`.tar"`)
	if err := s.cfg.Tombstones.WriteTombstones(w); err != nil {
		s.log.Error("tombstone download", "err", err)
	}
}

// releaseInfo shows the model and firmware version (STAT-4, §6.4.2).
func (s *Server) releaseInfo(w http.ResponseWriter, r *http.Request, c *reqctx) {
	rows := []row{{"Phone Model", string(c.state.Model)}, {"Firmware Version", c.state.Firmware}}
	if s.phone.Model().Caps.JabraSpeaker {
		rows = append(rows, row{"Conference Speaker Device type", "not connected"},
			row{"Conference Speaker Device FW version", "—"})
	}
	s.renderPage(w, c, "sections", http.StatusOK, "", "", sectionsData{Sections: []sectionData{{"Release Information", rows}}})
}

// systemInfo shows the model, firmware and identity (STAT-4).
func (s *Server) systemInfo(w http.ResponseWriter, r *http.Request, c *reqctx) {
	st := c.state
	m := s.phone.Model()
	rows := []row{
		{"Phone Model", string(st.Model)},
		{"Description", m.Description},
		{"MAC Address", st.MACAddress()},
		{"Firmware Version", st.Firmware},
		{"Boot Count", strconv.Itoa(st.BootCount)},
		{"State", string(st.Stage) + " since " + st.Since.Format("2006-01-02 15:04:05")},
	}
	if m.Caps.JabraSpeaker {
		rows = append(rows, row{"Speaker Model Name", "not connected"}, row{"Speaker Firmware Version", "—"})
	}
	if m.Name == model.M450HD || m.Name == model.MC450HD {
		rows = append(rows, row{"Expansion Module", "not attached"})
	}
	s.renderPage(w, c, "sections", http.StatusOK, "", "", sectionsData{Sections: []sectionData{{"System Information", rows}}})
}
