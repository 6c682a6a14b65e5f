package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// hdphone factory-ca prints the CA a mutual TLS server trusts to accept
// the phones' factory certificates.
func TestFactoryCA(t *testing.T) {
	var out, errb bytes.Buffer
	if code := realMain([]string{"factory-ca"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	block, rest := pem.Decode(out.Bytes())
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PEM block:\n%s", out.String())
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA || ca.Subject.CommonName != "hdphone Factory CA" {
		t.Fatalf("%v %+v", err, ca.Subject)
	}
	if code := realMain([]string{"factory-ca", "extra"}, &out, &errb); code != 2 {
		t.Errorf("an extra argument: exit %d, want 2", code)
	}
}
