package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
)

const testSecret = "a-unit-test-secret-that-is-32-bytes-or-more"

// keyring holds one private key per asymmetric algorithm, two for RS256 (rotation).
type keyring struct {
	rsaOld, rsaNew *rsa.PrivateKey
	ec             *ecdsa.PrivateKey
	ed             ed25519.PrivateKey
}

var (
	ringOnce sync.Once
	ring     keyring
)

func keys(t testing.TB) keyring {
	t.Helper()
	ringOnce.Do(func() {
		var err error
		if ring.rsaOld, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ring.rsaNew, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ring.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, ring.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return ring
}

func pemPublic(t testing.TB, k crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// verifier accepts every algorithm, with keys loaded from PEM files the way
// JWT_PUBLIC_KEYS names them, and enforces an issuer and an audience.
func verifier(t testing.TB) *auth.Verifier {
	t.Helper()
	k := keys(t)
	dir := t.TempDir()
	var spec []string
	for kid, pub := range map[string]crypto.PublicKey{
		"rsa-2025": &k.rsaOld.PublicKey, "rsa-2026": &k.rsaNew.PublicKey,
		"ec-1": &k.ec.PublicKey, "ed-1": k.ed.Public(),
	} {
		path := filepath.Join(dir, kid+".pem")
		if err := os.WriteFile(path, pemPublic(t, pub), 0o600); err != nil {
			t.Fatal(err)
		}
		spec = append(spec, kid+"="+path)
	}
	pubs, err := auth.LoadPublicKeys(strings.Join(spec, ","))
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{
		Algorithms: auth.KnownAlgorithms, Secret: []byte(testSecret), PublicKeys: pubs,
		Issuer: "jiuzhu-test", Audience: "jiuzhu-api", Leeway: 5 * time.Second,
	}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func claims(mut func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub": "officer-1", "role": "officer", "area": "371402000000", "iss": "jiuzhu-test",
		"aud": "jiuzhu-api", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if mut != nil {
		mut(c)
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hs(t *testing.T, mut func(jwt.MapClaims)) string {
	return sign(t, jwt.SigningMethodHS256, "", []byte(testSecret), claims(mut))
}

// hsRaw signs a payload written by hand with the test secret, for claims that a map
// cannot hold: keys given twice.
func hsRaw(t *testing.T, payload string) string {
	t.Helper()
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	unsigned := head + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// rawClaims is the payload of claims(nil) with extra written before its closing brace.
func rawClaims(extra string) string {
	now := time.Now()
	return fmt.Sprintf(`{"sub":"officer-1","role":"officer","area":"371402000000","iss":"jiuzhu-test","aud":"jiuzhu-api","iat":%d,"nbf":%d,"exp":%d%s}`,
		now.Unix(), now.Unix(), now.Add(time.Hour).Unix(), extra)
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	v := verifier(t)
	k := keys(t)
	good := hs(t, nil)
	parts := strings.Split(good, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"officer-1","role":"admin","area":"371400000000","exp":9999999999,"iss":"jiuzhu-test","aud":"jiuzhu-api"}`))
	unsigned := sign(t, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, claims(nil))
	bigHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","x":"` + strings.Repeat("a", 2000) + `"}`))
	tests := []struct {
		name, token string
	}{
		{"empty", ""},
		{"garbage", "definitely not a token"},
		{"garbage with dots", "a.b.c"},
		{"truncated", good[:len(good)-10]},
		{"signature stripped", parts[0] + "." + parts[1] + "."},
		{"alg none", unsigned},
		{"alg none with a kid", sign(t, jwt.SigningMethodNone, "rsa-2026", jwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"HS256 signed with the RSA public key bytes", sign(t, jwt.SigningMethodHS256, "rsa-2026", pemPublic(t, &k.rsaNew.PublicKey), claims(nil))},
		{"HS384, not in the allow-list", sign(t, jwt.SigningMethodHS384, "", []byte(testSecret), claims(nil))},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, "", []byte(strings.Repeat("z", 40)), claims(nil))},
		{"tampered payload", parts[0] + "." + forged + "." + parts[2]},
		{"expired", hs(t, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })},
		{"no exp", hs(t, func(c jwt.MapClaims) { delete(c, "exp") })},
		{"not yet valid", hs(t, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Minute).Unix() })},
		{"issued in the future", hs(t, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Minute).Unix() })},
		{"wrong issuer", hs(t, func(c jwt.MapClaims) { c["iss"] = "someone-else" })},
		{"no issuer", hs(t, func(c jwt.MapClaims) { delete(c, "iss") })},
		{"wrong audience", hs(t, func(c jwt.MapClaims) { c["aud"] = "another-api" })},
		{"missing area", hs(t, func(c jwt.MapClaims) { delete(c, "area") })},
		{"area not a jurisdiction", hs(t, func(c jwt.MapClaims) { c["area"] = "110101000000" })},
		{"unknown role", hs(t, func(c jwt.MapClaims) { c["role"] = "root" })},
		{"missing subject", hs(t, func(c jwt.MapClaims) { delete(c, "sub") })},
		{"wrong kid", sign(t, jwt.SigningMethodRS256, "rsa-1999", k.rsaNew, claims(nil))},
		{"no kid", sign(t, jwt.SigningMethodRS256, "", k.rsaNew, claims(nil))},
		{"kid of another algorithm", sign(t, jwt.SigningMethodRS256, "ec-1", k.rsaNew, claims(nil))},
		{"RS256 signed with the other rotation key", sign(t, jwt.SigningMethodRS256, "rsa-2025", k.rsaNew, claims(nil))},
		{"oversized", hs(t, func(c jwt.MapClaims) { c["name"] = strings.Repeat("x", auth.MaxTokenLength) })},
		{"oversized header", bigHeader + "." + parts[1] + "." + parts[2]},
		{"role in another case", hs(t, func(c jwt.MapClaims) { delete(c, "role"); c["Role"] = "admin" })},
		{"role in capitals beside role", hs(t, func(c jwt.MapClaims) { c["ROLE"] = "admin" })},
		{"area in another case", hs(t, func(c jwt.MapClaims) { c["Area"] = "371400000000" })},
		{"sub with a long s", hs(t, func(c jwt.MapClaims) { delete(c, "sub"); c["\u017fub"] = "officer-1" })},
		{"role escaped in another case", hsRaw(t, rawClaims(`,"\u0052ole":"admin"`))},
		{"role given twice", hsRaw(t, rawClaims(`,"role":"admin"`))},
		{"area given twice", hsRaw(t, rawClaims(`,"area":"371400000000"`))},
		{"exp given twice", hsRaw(t, rawClaims(fmt.Sprintf(`,"exp":%d`, time.Now().AddDate(300, 0, 0).Unix())))},
		{"exp 300 years ahead", hs(t, func(c jwt.MapClaims) { c["exp"] = time.Now().AddDate(300, 0, 0).Unix() })},
		{"exp 300 years ahead without iat", hs(t, func(c jwt.MapClaims) {
			delete(c, "iat")
			c["exp"] = time.Now().AddDate(300, 0, 0).Unix()
		})},
		{"lifetime of 25 hours", hs(t, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(25 * time.Hour).Unix() })},
		{"lifetime of 25 hours from an old iat", hs(t, func(c jwt.MapClaims) {
			c["iat"] = time.Now().Add(-24 * time.Hour).Unix()
			c["exp"] = time.Now().Add(time.Hour).Unix()
		})},
	}
	if len(tests) < 15 {
		t.Fatal("too few bad tokens")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(tt.token)
			if !errors.Is(err, models.ErrUnauthenticated) {
				t.Fatalf("got %+v, %v; want UNAUTHENTICATED", p, err)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Error("the error repeats the token")
			}
		})
	}
}

func TestVerifyAcceptsEveryAlgorithmAndBothRotationKeys(t *testing.T) {
	v := verifier(t)
	k := keys(t)
	tests := []struct{ name, token string }{
		{"HS256", hs(t, nil)},
		{"RS256 old key", sign(t, jwt.SigningMethodRS256, "rsa-2025", k.rsaOld, claims(nil))},
		{"RS256 new key", sign(t, jwt.SigningMethodRS256, "rsa-2026", k.rsaNew, claims(nil))},
		{"ES256", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, "ed-1", k.ed, claims(nil))},
		{"clock skew within leeway", hs(t, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(3 * time.Second).Unix() })},
		{"audience among several", hs(t, func(c jwt.MapClaims) { c["aud"] = []string{"other", "jiuzhu-api"} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != "officer-1" || p.Role != models.RoleOfficer || p.Area != "371402000000" {
				t.Errorf("principal %+v", p)
			}
		})
	}
	// Minted tokens verify, with the secret and with each private key.
	pr := auth.Principal{Subject: "s", Role: models.RoleAuditor, Area: "371402001000"}
	minted := map[string]func() (string, error){
		"HS256":   func() (string, error) { return v.Sign(pr, time.Minute) },
		"RS256":   func() (string, error) { return v.SignWithKey(pr, time.Minute, "rsa-2026", k.rsaNew) },
		"ES256":   func() (string, error) { return v.SignWithKey(pr, time.Minute, "ec-1", k.ec) },
		"EdDSA":   func() (string, error) { return v.SignWithKey(pr, time.Minute, "ed-1", k.ed) },
		"old key": func() (string, error) { return v.SignWithKey(pr, time.Minute, "rsa-2025", k.rsaOld) },
	}
	for name, mint := range minted {
		tok, err := mint()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := v.Verify(tok); err != nil || got.Subject != "s" || got.Area != pr.Area {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
}

func TestAllowListNarrowsAlgorithms(t *testing.T) {
	k := keys(t)
	// HS256 only (the default): a perfectly signed RS256 token is refused.
	hsOnly, err := auth.NewVerifier(auth.Config{Secret: []byte(testSecret)}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	c := claims(func(c jwt.MapClaims) { delete(c, "iss"); delete(c, "aud") })
	if _, err := hsOnly.Verify(sign(t, jwt.SigningMethodRS256, "rsa-2026", k.rsaNew, c)); !errors.Is(err, models.ErrUnauthenticated) {
		t.Errorf("RS256 under an HS256 allow-list: %v", err)
	}
	// RS256 only: HS256 tokens are refused, whatever key signed them, and no secret is needed.
	rsOnly, err := auth.NewVerifier(auth.Config{Algorithms: []string{auth.RS256},
		PublicKeys: map[string]crypto.PublicKey{"k": &k.rsaNew.PublicKey}}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range [][]byte{[]byte(testSecret), pemPublic(t, &k.rsaNew.PublicKey)} {
		if _, err := rsOnly.Verify(sign(t, jwt.SigningMethodHS256, "k", key, c)); !errors.Is(err, models.ErrUnauthenticated) {
			t.Errorf("HS256 under an RS256 allow-list: %v", err)
		}
	}
	if _, err := rsOnly.Verify(sign(t, jwt.SigningMethodRS256, "k", k.rsaNew, c)); err != nil {
		t.Errorf("RS256 under an RS256 allow-list: %v", err)
	}
	if _, err := rsOnly.Sign(auth.Principal{Subject: "s", Role: models.RoleAdmin, Area: division.CityCode}, time.Minute); err == nil {
		t.Error("Sign made an HS256 token that the allow-list refuses")
	}
	// Bad configurations are refused at start.
	bad := map[string]auth.Config{
		"unknown algorithm":     {Algorithms: []string{"none"}, Secret: []byte(testSecret)},
		"short secret":          {Secret: []byte("short")},
		"RS256 without a key":   {Algorithms: []string{auth.RS256}},
		"key of another alg":    {Algorithms: []string{auth.RS256}, PublicKeys: map[string]crypto.PublicKey{"k": &k.ec.PublicKey}},
		"key of no allowed alg": {Secret: []byte(testSecret), PublicKeys: map[string]crypto.PublicKey{"k": &k.rsaNew.PublicKey}},
	}
	for name, cfg := range bad {
		if _, err := auth.NewVerifier(cfg, division.Dezhou()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadPublicKeysRefusesBadEntries(t *testing.T) {
	k := keys(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pem")
	_ = os.WriteFile(good, pemPublic(t, &k.ec.PublicKey), 0o600)
	der, _ := x509.MarshalPKCS8PrivateKey(k.ec)
	private := filepath.Join(dir, "private.pem")
	_ = os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	for _, spec := range []string{"nokid", "=" + good, "a=" + good + ",a=" + good, "a=" + filepath.Join(dir, "missing.pem"), "a=" + private} {
		if _, err := auth.LoadPublicKeys(spec); err == nil {
			t.Errorf("%q: accepted", spec)
		}
	}
	ks, err := auth.LoadPublicKeys(" a=" + good + " , ")
	if err != nil || len(ks) != 1 {
		t.Errorf("good spec: %v %v", ks, err)
	}
	if s, err := auth.ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil || s == nil {
		t.Errorf("private key: %v", err)
	}
}

func TestMaxLifetimeIsConfiguredAndBoundsSigning(t *testing.T) {
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(testSecret), MaxLifetime: time.Hour}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	if v.MaxLifetime() != time.Hour {
		t.Fatalf("max lifetime %s", v.MaxLifetime())
	}
	p := auth.Principal{Subject: "s", Role: models.RoleOfficer, Area: "371402000000"}
	for _, ttl := range []time.Duration{0, -time.Minute, time.Hour + time.Second, 100 * 365 * 24 * time.Hour} {
		if tok, err := v.Sign(p, ttl); err == nil {
			t.Errorf("ttl %s: signed %s", ttl, tok)
		}
	}
	tok, err := v.Sign(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("a token of the maximum lifetime: %v", err)
	}
	long := sign(t, jwt.SigningMethodHS256, "", []byte(testSecret), jwt.MapClaims{
		"sub": "s", "role": "officer", "area": "371402000000",
		"iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Hour).Unix(),
	})
	if _, err := v.Verify(long); !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("a two-hour token under a one-hour maximum: %v", err)
	}
	if _, err := auth.NewVerifier(auth.Config{Secret: []byte(testSecret), MaxLifetime: -time.Hour}, division.Dezhou()); err == nil {
		t.Error("a negative maximum lifetime was accepted")
	}
}

func TestVerifyAcceptsOtherClaimsAndExactNames(t *testing.T) {
	v := verifier(t)
	for name, tok := range map[string]string{
		"jti and a claim of its own": hsRaw(t, rawClaims(`,"jti":"abc","x-department":{"Role":"x","role":"y"}`)),
		"categories":                 hsRaw(t, rawClaims(`,"categories":["MEDICAL"],"name":"Zhang"`)),
	} {
		if p, err := v.Verify(tok); err != nil || p.Role != models.RoleOfficer {
			t.Errorf("%s: %+v, %v", name, p, err)
		}
	}
}
