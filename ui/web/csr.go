package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/hdphone/hdphone/device/flash"
)

// The flash records of the Certificate Signing Request page: the request
// and the private key it was made with. The key stays on the phone, waiting
// for the signed client certificate (802.1X or SIP over TLS, §3.5.3.4). A
// factory reset removes both.
const (
	RecordCSR    = flash.DirCerts + "csr/request.pem"
	RecordCSRKey = flash.DirCerts + "csr/key.pem"
)

// csrKeyBits is the RSA key size of a request: what CAs and RADIUS servers
// accept everywhere.
const csrKeyBits = 2048

type csrData struct {
	CommonName, Organization, Unit, Country string
	Exists                                  bool
	Subject                                 string
}

func (s *Server) csrData(c *reqctx) csrData {
	d := csrData{CommonName: c.state.MAC}
	if b, err := s.phone.Flash().Read(RecordCSR); err == nil {
		if blk, _ := pem.Decode(b); blk != nil {
			if req, err := x509.ParseCertificateRequest(blk.Bytes); err == nil {
				d.Exists, d.Subject = true, req.Subject.String()
			}
		}
	}
	return d
}

func (s *Server) csrPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.renderPage(w, c, "csr", http.StatusOK, "", "", s.csrData(c))
}

// subjectField checks one subject field typed into the form.
func subjectField(label, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > max {
		return "", fmt.Errorf("%s: at most %d characters", label, max)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("%s: only printable characters", label)
		}
	}
	return v, nil
}

// csrGenerate makes a new key and request ("Generate Certificate Signing
// Request") and keeps both in flash.
func (s *Server) csrGenerate(w http.ResponseWriter, r *http.Request, c *reqctx) {
	d := s.csrData(c)
	var subj pkix.Name
	var errs []error
	field := func(label, key string, max int) string {
		v, err := subjectField(label, r.PostForm.Get(key), max)
		errs = append(errs, err)
		return v
	}
	cn := field("Common Name", "cn", 64)
	if cn == "" {
		cn = c.state.MAC
	}
	subj.CommonName = cn
	if o := field("Organization", "o", 64); o != "" {
		subj.Organization = []string{o}
	}
	if ou := field("Organizational Unit", "ou", 64); ou != "" {
		subj.OrganizationalUnit = []string{ou}
	}
	if co := field("Country", "c", 2); co != "" {
		if len(co) != 2 {
			errs = append(errs, errors.New("Country: two letters (ISO 3166)"))
		}
		subj.Country = []string{strings.ToUpper(co)}
	}
	if err := errors.Join(errs...); err != nil {
		s.renderPage(w, c, "csr", http.StatusUnprocessableEntity, "", "No request was made: "+strings.ReplaceAll(err.Error(), "\n", "; "), d)
		return
	}
	key, err := rsa.GenerateKey(rand.Reader, csrKeyBits)
	if err != nil {
		s.renderPage(w, c, "csr", http.StatusInternalServerError, "", "Key generation failed: "+err.Error(), d)
		return
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:            subj,
		SignatureAlgorithm: x509.SHA256WithRSA,
		DNSNames:           []string{c.state.MAC},
	}, key)
	if err != nil {
		s.renderPage(w, c, "csr", http.StatusInternalServerError, "", "Request creation failed: "+err.Error(), d)
		return
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err == nil {
		err = s.phone.Flash().Write(RecordCSRKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	}
	if err == nil {
		err = s.phone.Flash().Write(RecordCSR, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	}
	if err != nil {
		s.renderPage(w, c, "csr", http.StatusInternalServerError, "", "The request could not be stored: "+err.Error(), d)
		return
	}
	s.log.Info("certificate signing request generated", "subject", subj.String())
	s.renderPage(w, c, "csr", http.StatusOK, "Certificate signing request generated for "+subj.String()+".", "", s.csrData(c))
}

// csrSave downloads the request ("Save Certificate Signing Request").
func (s *Server) csrSave(w http.ResponseWriter, r *http.Request, c *reqctx) {
	b, err := s.phone.Flash().Read(RecordCSR)
	if err != nil {
		s.renderPage(w, c, "csr", http.StatusNotFound, "", "No request yet: click Generate Certificate Signing Request first.", s.csrData(c))
		return
	}
	w.Header().Set("Content-Type", "application/pkcs10")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.state.MAC+`.csr"`)
	w.Write(b)
}
