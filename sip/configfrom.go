package sip

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hdphone/hdphone/config"
)

// Configuration keys ConfigFrom reads (the manual's and the generic-SIP
// keys of real provisioning files).
const (
	KeyLineID             = "voip/line/0/id"
	KeyLineAuthName       = "voip/line/0/auth_name"
	KeyLinePassword       = "voip/line/0/auth_password"
	KeyLineDescription    = "voip/line/0/description"
	KeyProxyGateway       = "voip/signalling/sip/proxy_gateway"
	KeyUseProxy           = "voip/signalling/sip/use_proxy"
	KeyProxyAddress       = "voip/signalling/sip/proxy_address"
	KeyProxyPort          = "voip/signalling/sip/proxy_port"
	KeyRegistrarEnabled   = "voip/signalling/sip/sip_registrar/enabled"
	KeyRegistrarAddr      = "voip/signalling/sip/sip_registrar/addr"
	KeyRegistrarPort      = "voip/signalling/sip/sip_registrar/port"
	KeyProxyForRegistrar  = "voip/signalling/sip/use_proxy_ip_port_for_registrar"
	KeyTransport          = "voip/signalling/sip/transport_protocol"
	KeyRegisterExpires    = "voip/signalling/sip/registration_expires"
	KeyNoResponseTimeout  = "voip/signalling/sip/outgoing_request_no_response_timeout_ms"
	KeyFailbackRetry      = "voip/signalling/sip/failback_retry_timeout"
	KeyLocalPort          = "voip/signalling/sip/port"
	KeyOutboundEnabled    = "voip/signalling/sip/sip_outbound_proxy/enabled"
	KeyOutboundAddr       = "voip/signalling/sip/sip_outbound_proxy/addr"
	KeyOutboundPort       = "voip/signalling/sip/sip_outbound_proxy/port"
	KeyTLSMethod          = "voip/signalling/sip/tls_method"
	KeyTLSDisable         = "voip/signalling/sip/tls_disable"
	KeyCertErrorsMode     = "security/SSLCertificateErrorsMode"
	KeyRejectCode         = "voip/services/reject_code"
	KeyCheckSync          = "provisioning/check_sync/enabled"
	KeyTalkEvent          = "voip/talk_event/enabled"
	KeyMWISubscribe       = "voip/services/msg_waiting_ind/subscribe"
	KeyMWISubscribeAddr   = "voip/services/msg_waiting_ind/subscribe_address"
	KeyMWISubscribePort   = "voip/services/msg_waiting_ind/subscribe_port"
	KeyMWIExpires         = "voip/services/msg_waiting_ind/expiraition_timeout"
	defaultSIPPort        = 5060
	defaultProxyPortValue = 5060
)

// ConfigFrom builds a Config from the phone's configuration. Keys the
// catalogue does not know yet are read from the file's extra keys, so real
// generic-SIP provisioning files work either way. Fields the configuration
// does not describe (LocalAddr, TLS certificates, Resolver, Clock, Logger,
// UserAgent, DHCPServers) are left for the caller. An encrypted password
// ({"…"}) must be decrypted by the caller.
//
// The mapping:
//   - the address of record is voip/line/0/id @ proxy_gateway (or the proxy
//     or registrar host when proxy_gateway is empty);
//   - REGISTER goes to sip_registrar/addr:port when sip_registrar/enabled=1,
//     else to the proxy when use_proxy_ip_port_for_registrar=1 or
//     use_proxy=1, else to the domain;
//   - other requests go to proxy_address:proxy_port when use_proxy=1;
//   - with sip_outbound_proxy/enabled=1 every request goes first to its
//     addr:port.
func ConfigFrom(c *config.Config) (Config, error) {
	extra := c.Extra()
	get := func(k string) string {
		if v := strings.TrimSpace(c.Get(k)); v != "" {
			return v
		}
		return strings.TrimSpace(extra[k])
	}
	on := func(k string) bool { return config.IsTrue(get(k)) }
	num := func(k string, def int) (int, error) {
		v := get(k)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%w: %s=%q is not a number", ErrConfig, k, v)
		}
		return n, nil
	}
	port := func(k string, def int) (int, error) {
		n, err := num(k, def)
		if err == nil && (n < 0 || n > 65535) {
			err = fmt.Errorf("%w: %s=%d is not a port", ErrConfig, k, n)
		}
		return n, err
	}

	var out Config
	var err error
	out.User = get(KeyLineID)
	out.AuthName = get(KeyLineAuthName)
	out.Password = Secret(get(KeyLinePassword))
	out.DisplayName = get(KeyLineDescription)
	out.Domain = get(KeyProxyGateway)
	if out.Transport, err = ParseTransport(get(KeyTransport)); err != nil {
		return out, err
	}

	var proxy Server
	if h := get(KeyProxyAddress); h != "" {
		proxy.Host = h
		if proxy.Port, err = port(KeyProxyPort, 0); err != nil {
			return out, err
		}
	}
	useProxy := on(KeyUseProxy)
	if useProxy {
		out.Proxy = proxy
	}
	switch {
	case on(KeyRegistrarEnabled) && get(KeyRegistrarAddr) != "":
		out.Registrar.Host = get(KeyRegistrarAddr)
		if out.Registrar.Port, err = port(KeyRegistrarPort, 0); err != nil {
			return out, err
		}
	case on(KeyProxyForRegistrar) || useProxy:
		out.Registrar = proxy
	}
	if out.Domain == "" && !proxy.IsZero() {
		out.Domain = proxy.Host
	}
	if on(KeyOutboundEnabled) && get(KeyOutboundAddr) != "" {
		out.OutboundProxy.Host = get(KeyOutboundAddr)
		if out.OutboundProxy.Port, err = port(KeyOutboundPort, defaultProxyPortValue); err != nil {
			return out, err
		}
	}

	if out.LocalPort, err = port(KeyLocalPort, defaultSIPPort); err != nil {
		return out, err
	}
	exp, err := num(KeyRegisterExpires, 3600)
	if err != nil {
		return out, err
	}
	out.RegisterExpires = time.Duration(exp) * time.Second
	ms, err := num(KeyNoResponseTimeout, 0)
	if err != nil {
		return out, err
	}
	out.NoResponseTimeout = time.Duration(ms) * time.Millisecond
	fb, err := num(KeyFailbackRetry, 0)
	if err != nil {
		return out, err
	}
	out.FailbackRetry = time.Duration(fb) * time.Second

	out.TLS.Method = get(KeyTLSMethod)
	out.TLS.Disable = strings.Fields(get(KeyTLSDisable))
	out.TLS.InsecureSkipVerify = strings.EqualFold(get(KeyCertErrorsMode), "Ignore")
	if _, _, err := tlsVersions(out.TLS.Method, out.TLS.Disable); err != nil {
		return out, err
	}
	if out.RejectCode, err = ParseRejectCode(get(KeyRejectCode)); err != nil {
		return out, err
	}

	out.CheckSync = on(KeyCheckSync)
	out.TalkEvent = on(KeyTalkEvent)
	out.MWI.Subscribe = on(KeyMWISubscribe)
	if h := get(KeyMWISubscribeAddr); h != "" {
		out.MWI.Server.Host = h
		if out.MWI.Server.Port, err = port(KeyMWISubscribePort, defaultSIPPort); err != nil {
			return out, err
		}
	}
	mexp, err := num(KeyMWIExpires, 3600)
	if err != nil {
		return out, err
	}
	out.MWI.Expires = time.Duration(mexp) * time.Second
	return out, nil
}
