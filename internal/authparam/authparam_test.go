package authparam_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hdphone/hdphone/internal/authparam"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []authparam.Param
	}{
		{`realm="hdphone.test", nonce="abc", algorithm=MD5, qop="auth,auth-int"`,
			[]authparam.Param{{"realm", "hdphone.test"}, {"nonce", "abc"}, {"algorithm", "MD5"}, {"qop", "auth,auth-int"}}},
		{`Realm = "a b" ,NONCE=x`, []authparam.Param{{"realm", "a b"}, {"nonce", "x"}}},
		{`opaque="say \"hi\" \\ now"`, []authparam.Param{{"opaque", `say "hi" \ now`}}},
		{`, realm="r", , nc=00000001,`, []authparam.Param{{"realm", "r"}, {"nc", "00000001"}}},
		{"uri=\"sip:1001@10.0.0.1\",\r\n\tresponse=\"\", algorithm=SHA-256", []authparam.Param{{"uri", "sip:1001@10.0.0.1"}, {"response", ""}, {"algorithm", "SHA-256"}}},
		{``, nil},
	} {
		got, err := authparam.Parse(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		`realm`, `realm=`, `realm "x"`, `realm="x`, `realm="x\`, `realm="x" nonce="y"`, `="x"`, `realm=x y=z`, `a=b,=c`,
	} {
		if got, err := authparam.Parse(in); !errors.Is(err, authparam.ErrSyntax) {
			t.Errorf("Parse(%q) = %q, %v; want ErrSyntax", in, got, err)
		}
	}
}

// Whatever Parse accepts, written back as quoted strings, parses the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`realm="a", nonce="b", qop=auth`, `opaque="x\"y"`, `a=b,,c="d"`, `x`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pp, err := authparam.Parse(s)
		if err != nil {
			if !errors.Is(err, authparam.ErrSyntax) {
				t.Fatalf("error without ErrSyntax: %v", err)
			}
			return
		}
		var b strings.Builder
		for i, p := range pp {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Key + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.Value) + `"`)
		}
		again, err := authparam.Parse(b.String())
		if err != nil || !reflect.DeepEqual(again, pp) {
			t.Fatalf("%q parsed as %q; written back %q, parsed as %q, %v", s, pp, b.String(), again, err)
		}
	})
}
