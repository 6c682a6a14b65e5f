package dot1x_test

import (
	"crypto/md5"
	"errors"
	"testing"

	"github.com/hdphone/hdphone/provisioning/dot1x"
)

// The answers to an authenticator's requests (RFC 3748): the identity,
// MD5(id ‖ password ‖ challenge) with its value size, and a NAK asking for
// MD5 instead of anything else (EAP-TLS).
func TestAnswer(t *testing.T) {
	challenge := []byte("0123456789abcdef")
	frame := dot1x.EAPFrame(dot1x.EAP{Code: dot1x.CodeRequest, ID: 7, Method: dot1x.MethodMD5, Data: append([]byte{16}, challenge...)})
	typ, req, err := dot1x.ParseEAPOL(frame)
	if err != nil || typ != dot1x.TypeEAPPacket || req.Method != dot1x.MethodMD5 {
		t.Fatalf("%d %+v %v", typ, req, err)
	}
	resp, ok := dot1x.Answer(*req, "phone", "pw")
	sum := md5.Sum(append(append([]byte{7}, "pw"...), challenge...))
	if !ok || resp.Code != dot1x.CodeResponse || resp.ID != 7 || string(resp.Data) != string(append([]byte{16}, sum[:]...)) {
		t.Fatalf("MD5 response %+v", resp)
	}
	if resp, _ := dot1x.Answer(dot1x.EAP{Code: dot1x.CodeRequest, ID: 1, Method: dot1x.MethodIdentity}, "phone", ""); string(resp.Data) != "phone" {
		t.Errorf("identity response %+v", resp)
	}
	if resp, _ := dot1x.Answer(dot1x.EAP{Code: dot1x.CodeRequest, ID: 2, Method: dot1x.MethodTLS}, "phone", ""); resp.Method != dot1x.MethodNAK || string(resp.Data) != "\x04" {
		t.Errorf("TLS request answered %+v, want a NAK for MD5", resp)
	}
	if _, ok := dot1x.Answer(dot1x.EAP{Code: dot1x.CodeRequest, ID: 3, Method: dot1x.MethodMD5, Data: []byte{16, 1}}, "phone", ""); ok {
		t.Error("a challenge shorter than its size was answered")
	}
	_, succ, err := dot1x.ParseEAPOL(dot1x.EAPFrame(dot1x.EAP{Code: dot1x.CodeSuccess, ID: 7}))
	if err != nil || succ.Code != dot1x.CodeSuccess {
		t.Errorf("success %+v %v", succ, err)
	}
	for name, b := range map[string][]byte{
		"short":           {1, 0},
		"body past end":   {1, 0, 0, 9, 1, 1, 0, 9},
		"EAP length 2":    {1, 0, 0, 4, 1, 1, 0, 2},
		"code 9":          {1, 0, 0, 4, 9, 1, 0, 4},
		"request no type": {1, 0, 0, 4, 1, 1, 0, 4},
	} {
		if _, _, err := dot1x.ParseEAPOL(b); !errors.Is(err, dot1x.ErrFrame) {
			t.Errorf("%s: %v, want ErrFrame", name, err)
		}
	}
}

func FuzzParseEAPOL(f *testing.F) {
	f.Add(dot1x.StartFrame())
	f.Add(dot1x.EAPFrame(dot1x.EAP{Code: dot1x.CodeRequest, ID: 1, Method: dot1x.MethodIdentity}))
	f.Add(dot1x.EAPFrame(dot1x.EAP{Code: dot1x.CodeRequest, ID: 2, Method: dot1x.MethodMD5, Data: []byte{2, 1, 2}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, e, err := dot1x.ParseEAPOL(b)
		if err != nil {
			if !errors.Is(err, dot1x.ErrFrame) {
				t.Fatalf("error %v is not ErrFrame", err)
			}
			return
		}
		if typ == dot1x.TypeEAPPacket && e == nil {
			t.Fatal("an EAP packet without EAP")
		}
		if e != nil && e.Code == dot1x.CodeRequest {
			dot1x.Answer(*e, "id", "pw") // must not panic
		}
	})
}
