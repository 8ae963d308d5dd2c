package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"jiuzhu/division"
	"jiuzhu/models"
)

// FuzzVerify checks that the token parser never panics, refuses with UNAUTHENTICATED
// without repeating the token, and accepts only tokens that carry a known role and area.
func FuzzVerify(f *testing.F) {
	v := verifier(f)
	k := keys(f)
	f.Add(sign(f, jwt.SigningMethodHS256, "", []byte(testSecret), claims(nil)))
	f.Add(sign(f, jwt.SigningMethodRS256, "rsa-2026", k.rsaNew, claims(nil)))
	f.Add(sign(f, jwt.SigningMethodEdDSA, "ed-1", k.ed, claims(nil)))
	f.Add(sign(f, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, claims(nil)))
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "....", strings.Repeat("A", 100)} {
		f.Add(s)
	}
	tree := division.Dezhou()
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(token)
		if err != nil {
			if !errors.Is(err, models.ErrUnauthenticated) {
				t.Fatalf("error %v is not UNAUTHENTICATED", err)
			}
			if len(token) > 16 && strings.Contains(err.Error(), token) {
				t.Fatal("the error repeats the token")
			}
			return
		}
		if _, ok := tree.Unit(p.Area); !ok || !p.Role.Valid() || p.Subject == "" {
			t.Fatalf("accepted %+v", p)
		}
	})
}
