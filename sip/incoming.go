package sip

import (
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"
)

// handle routes every request through one handler: sipgo's map of
// handlers by method outgrows its first group past eight methods, a few
// hundred bytes per phone in a fleet of thousands.
func (u *UA) handle() {
	u.srv.OnNoRoute(u.inOrder)
}

// route hands a request to its method's handler.
func (u *UA) route(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	switch req.Method {
	case sipgosip.INVITE:
		u.onInvite(req, tx)
	case sipgosip.ACK:
		u.onAckRequest(req, tx)
	case sipgosip.BYE, sipgosip.INFO, sipgosip.PRACK:
		u.inDialogChecked(req, tx)
	case sipgosip.CANCEL:
		u.onUnmatchedCancel(req, tx)
	case sipgosip.OPTIONS:
		u.onOptionsChecked(req, tx)
	case sipgosip.REFER:
		u.onRefer(req, tx)
	case sipgosip.NOTIFY:
		u.onNotify(req, tx)
	case sipgosip.SUBSCRIBE:
		u.onSubscribe(req, tx)
	default:
		// Send-only methods (Table G-2: REGISTER, PUBLISH, UPDATE,
		// MESSAGE) and methods the phone lacks: a phone is neither a
		// registrar nor a presence server.
		u.notAllowed(req, tx)
	}
}

// check applies the checks every request gets (RFC 3261 §8.2) and answers
// the ones that fail. It reports whether the request may go on.
func (u *UA) check(req *sipgosip.Request, tx sipgosip.ServerTransaction) bool {
	if tx == nil {
		return false
	}
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		u.respond(tx, u.reply(req, 505, "Version Not Supported", nil))
		return false
	}
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		u.respond(tx, u.reply(req, 400, "Missing Required Header", nil))
		return false
	}
	if req.CSeq().MethodName != req.Method {
		u.respond(tx, u.reply(req, 400, "CSeq Method Mismatch", nil))
		return false
	}
	if s := strings.ToLower(req.Recipient.Scheme); s != "sip" && s != "sips" && s != "" {
		res := u.reply(req, 416, "Unsupported URI Scheme", nil)
		u.respond(tx, res)
		return false
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 && req.Method != sipgosip.OPTIONS {
		u.respond(tx, u.reply(req, 483, "Too Many Hops", nil))
		return false
	}
	if req.Method != sipgosip.ACK && req.Method != sipgosip.CANCEL {
		var unsupported []string
		for _, t := range headerTokens(req, "Require") {
			switch t {
			case "replaces", "100rel", "timer":
			default:
				unsupported = append(unsupported, t)
			}
		}
		if len(unsupported) > 0 {
			res := u.reply(req, 420, "Bad Extension", nil)
			res.AppendHeader(sipgosip.NewHeader("Unsupported", strings.Join(unsupported, ", ")))
			u.respond(tx, res)
			return false
		}
	}
	return true
}

// inDialogChecked is inDialog after the common checks.
func (u *UA) inDialogChecked(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if u.check(req, tx) {
		u.inDialog(req, tx)
	}
}

// inDialog hands a request to the dialog its Call-ID and To tag name, or
// answers 481.
func (u *UA) inDialog(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.toDialog(req, tx) {
		u.respond(tx, u.reply(req, 481, "Call/Transaction Does Not Exist", nil))
	}
}

// toDialog hands a request to the dialog its Call-ID and To tag name, if
// there is one, and reports whether there was.
func (u *UA) toDialog(req *sipgosip.Request, tx sipgosip.ServerTransaction) bool {
	d := u.findDialog(dialogKey(callIDOf(req), toTag(req)))
	if d == nil {
		return false
	}
	d.handleRequest(req, tx)
	return true
}

// onAckRequest takes an ACK for a 2xx (ACKs of failures stay in their
// transaction).
func (u *UA) onAckRequest(req *sipgosip.Request, _ sipgosip.ServerTransaction) {
	if req.CallID() == nil || req.CSeq() == nil || !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		return
	}
	if c, ok := u.findDialog(dialogKey(callIDOf(req), toTag(req))).(*Call); ok {
		c.onAck(req)
	}
}

// onUnmatchedCancel answers a CANCEL that matches no INVITE (RFC 3261
// §9.2).
func (u *UA) onUnmatchedCancel(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	u.respond(tx, u.reply(req, 481, "Call/Transaction Does Not Exist", nil))
}

func (u *UA) onOptionsChecked(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.check(req, tx) {
		return
	}
	if toTag(req) != "" && u.toDialog(req, tx) {
		return
	}
	u.onOptions(req, tx)
}

// onOptions answers OPTIONS with what the phone can do (RFC 3261 §11.2).
func (u *UA) onOptions(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	res := u.reply(req, 200, "OK", nil)
	res.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sipgosip.NewHeader("Accept", "application/sdp, application/dtmf-relay, message/sipfrag, application/simple-message-summary, application/dialog-info+xml"))
	res.AppendHeader(sipgosip.NewHeader("Accept-Encoding", "identity"))
	res.AppendHeader(sipgosip.NewHeader("Accept-Language", "en"))
	res.AppendHeader(sipgosip.NewHeader("Supported", supportedExtensions))
	res.AppendHeader(u.contactHeader())
	u.respond(tx, res)
}

// notAllowed refuses a method the phone does not serve, listing the ones
// it does (RFC 3261 §21.4.6).
func (u *UA) notAllowed(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if tx == nil || req.Method == sipgosip.ACK {
		return
	}
	res := u.reply(req, 405, "Method Not Allowed", nil)
	res.AppendHeader(sipgosip.NewHeader("Allow", allowMethods))
	u.respond(tx, res)
}

// onRefer takes a REFER inside a dialog, or outside one (Table G-2).
func (u *UA) onRefer(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.check(req, tx) {
		return
	}
	if toTag(req) != "" {
		u.inDialog(req, tx)
		return
	}
	u.acceptRefer(req, tx, nil)
}

// onNotify takes NOTIFYs of subscriptions and REFERs, unsolicited
// message-summary NOTIFYs that voicemail servers send without a
// subscription, and check-sync and talk NOTIFYs where Config.CheckSync and
// Config.TalkEvent take them.
func (u *UA) onNotify(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.check(req, tx) {
		return
	}
	if u.toDialog(req, tx) {
		return
	}
	taken, known := u.unsolicited(eventPackage(req))
	switch {
	case taken:
		u.respond(tx, u.reply(req, 200, "OK", nil))
		u.emit(notifyEvent(nil, req))
	case known:
		u.respond(tx, u.reply(req, 489, "Bad Event", nil))
	default:
		u.respond(tx, u.reply(req, 481, "Subscription Does Not Exist", nil))
	}
}

// unsolicited says whether a NOTIFY of event package pkg outside any
// subscription is taken, and whether pkg is one the phone could take when
// configured to (it is then refused as a Bad Event, not as an unknown
// subscription).
func (u *UA) unsolicited(pkg string) (taken, known bool) {
	switch pkg {
	case "message-summary":
		return true, true
	case "check-sync":
		return u.cfg.CheckSync, true
	case "talk":
		return u.cfg.TalkEvent, true
	}
	return false, false
}

// onSubscribe refuses subscriptions: the phone is a subscriber, not a
// notifier.
func (u *UA) onSubscribe(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	if !u.check(req, tx) {
		return
	}
	if toTag(req) != "" && u.toDialog(req, tx) {
		return
	}
	u.respond(tx, u.reply(req, 489, "Bad Event", nil))
}
