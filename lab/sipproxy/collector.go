package sipproxy

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hdphone/hdphone/media/vqreport"
)

// maxReports is how many voice-quality reports the server keeps (the
// newest); a fleet's phones each send one per call.
const maxReports = 1000

// QualityReport is a voice-quality report a phone PUBLISHed.
type QualityReport struct {
	// User is the authenticated user that sent it; Source where from.
	User   string
	Source string
	Report *vqreport.Report
}

// onPublish is the lab's QoE collector (RFC 6035): PUBLISHes of the
// vq-rtcpxr event from a known user (digest-challenged like a REGISTER)
// are read and kept; a report that does not read gets 400 with the reason,
// any other event package 489. The phone is never asked to publish again
// (no SIP-ETag refresh: a report stands alone).
func (s *Server) onPublish(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if ev := headerValue(req, "Event"); !strings.EqualFold(strings.TrimSpace(ev), vqreport.EventPackage) {
		s.respond(tx, req, 489, "Bad Event", sipgosip.NewHeader("Allow-Events", vqreport.EventPackage))
		return
	}
	name, ok := s.authorize(req, tx)
	if !ok {
		return
	}
	if ct := headerValue(req, "Content-Type"); !strings.EqualFold(strings.TrimSpace(ct), vqreport.ContentType) {
		s.respond(tx, req, 415, "Unsupported Media Type", sipgosip.NewHeader("Accept", vqreport.ContentType))
		return
	}
	rep, err := vqreport.Parse(req.Body())
	if err != nil {
		s.log.Info("bad voice-quality report", "user", name, "err", err)
		s.respond(tx, req, 400, "Bad Report")
		return
	}
	s.log.Info("voice-quality report", "user", name, "call", rep.CallID, "codec", rep.Local.Codec,
		"mos_cq", rep.Local.MOSCQ, "loss_percent", rep.Local.LossRate)
	s.mu.Lock()
	s.reports = append(s.reports, QualityReport{User: name, Source: req.Source(), Report: rep})
	if len(s.reports) > maxReports {
		s.reports = s.reports[len(s.reports)-maxReports:]
	}
	s.mu.Unlock()
	s.respond(tx, req, 200, "OK", sipgosip.NewHeader("SIP-ETag", newETag()), sipgosip.NewHeader("Expires", "3600"))
}

// QualityReport returns the newest report of the call with SIP Call-ID
// callID, if one was received.
func (s *Server) QualityReport(callID string) (QualityReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.reports) - 1; i >= 0; i-- {
		if s.reports[i].Report.CallID == callID {
			return s.reports[i], true
		}
	}
	return QualityReport{}, false
}

// QualityReports returns the voice-quality reports received, oldest first.
func (s *Server) QualityReports() []QualityReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]QualityReport(nil), s.reports...)
}

func newETag() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
