package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"jiuzhu/division"
	"jiuzhu/models"
)

// MinSecretLength is the shortest HS256 secret accepted, in bytes.
const MinSecretLength = 32

// MaxTokenLength bounds the bearer token accepted before parsing, in bytes.
const MaxTokenLength = 8 << 10

// MaxHeaderLength bounds the encoded JOSE header of a token, in bytes.
const MaxHeaderLength = 1 << 10

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when Config.Leeway is 0.
const DefaultLeeway = 30 * time.Second

// DefaultMaxLifetime is the longest lifetime of a token accepted or minted when
// Config.MaxLifetime is 0.
const DefaultMaxLifetime = 24 * time.Hour

// The signing algorithms jiuzhu knows. Which of them a deployment accepts is its
// allow-list, Config.Algorithms.
const (
	HS256 = "HS256"
	RS256 = "RS256"
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// KnownAlgorithms lists every algorithm that may appear in an allow-list.
var KnownAlgorithms = []string{HS256, RS256, ES256, EdDSA}

// Config configures token verification and signing.
type Config struct {
	// Algorithms is the allow-list of signing algorithms; empty means HS256 only. A
	// token signed with any other algorithm, "none" included, is refused.
	Algorithms []string
	// Secret is the HS256 key, at least MinSecretLength bytes; required when HS256 is
	// allowed.
	Secret []byte
	// PublicKeys are the keys of the asymmetric algorithms (RS256, ES256, EdDSA) by key
	// id. A token names its key in the kid header, so that two keys can be valid at once
	// while one replaces the other. Each key's type fixes the one algorithm it verifies.
	PublicKeys map[string]crypto.PublicKey
	// Issuer, when set, must equal the token's iss claim, and is written on minted tokens.
	Issuer string
	// Audience, when set, must be among the token's aud claim, and is written on minted tokens.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat; 0 means DefaultLeeway.
	Leeway time.Duration
	// MaxLifetime is the longest lifetime a token may have: its exp may lie at most this
	// far after its iat, and after the time of verification. 0 means DefaultMaxLifetime.
	MaxLifetime time.Duration
}

// Claims is the payload of a jiuzhu token: sub, role, area and exp, optionally name,
// iss, aud and, for integrators, categories (the API contract, docs/policy.md).
type Claims struct {
	Role       string   `json:"role"`
	Area       string   `json:"area"`
	Name       string   `json:"name,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Department names, for a department's integrator, the department whose referrals
	// it handles.
	Department string `json:"department,omitempty"`
	jwt.RegisteredClaims
}

// Verifier checks bearer tokens and mints them.
type Verifier struct {
	cfg    Config
	tree   *division.Tree
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg that accepts only areas of tree. It returns an
// error when an algorithm of the allow-list is unknown, when HS256 is allowed and the
// secret is shorter than MinSecretLength bytes, when an asymmetric algorithm is allowed
// and no public key is configured for it, or when a public key is of an algorithm that
// is not allowed or of a kind jiuzhu does not know.
func NewVerifier(cfg Config, tree *division.Tree) (*Verifier, error) {
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{HS256}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.MaxLifetime < 0 {
		return nil, fmt.Errorf("auth: the maximum token lifetime must be positive, got %s", cfg.MaxLifetime)
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(KnownAlgorithms, a) {
			return nil, fmt.Errorf("auth: unknown JWT algorithm %q (known: %s)", a, strings.Join(KnownAlgorithms, ", "))
		}
	}
	if slices.Contains(cfg.Algorithms, HS256) && len(cfg.Secret) < MinSecretLength {
		return nil, fmt.Errorf("auth: JWT secret must be at least %d bytes, got %d", MinSecretLength, len(cfg.Secret))
	}
	have := map[string]bool{}
	for kid, k := range cfg.PublicKeys {
		alg, err := algorithmOf(k)
		if err != nil {
			return nil, fmt.Errorf("auth: public key %q: %w", kid, err)
		}
		if !slices.Contains(cfg.Algorithms, alg) {
			return nil, fmt.Errorf("auth: public key %q is an %s key but %s is not among the allowed algorithms", kid, alg, alg)
		}
		have[alg] = true
	}
	for _, a := range cfg.Algorithms {
		if a != HS256 && !have[a] {
			return nil, fmt.Errorf("auth: algorithm %s is allowed but no public key for it is configured", a)
		}
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(cfg.Algorithms),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithStrictDecoding(),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &Verifier{cfg: cfg, tree: tree, parser: jwt.NewParser(opts...)}, nil
}

// algorithmOf returns the one algorithm a key is used with: RS256 for RSA keys of at
// least 2048 bits, ES256 for P-256 keys, EdDSA for Ed25519 keys.
func algorithmOf(k any) (string, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", errors.New("RSA keys must have at least 2048 bits")
		}
		return RS256, nil
	case *rsa.PrivateKey:
		return algorithmOf(&k.PublicKey)
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("ECDSA keys must be on the P-256 curve (ES256)")
		}
		return ES256, nil
	case *ecdsa.PrivateKey:
		return algorithmOf(&k.PublicKey)
	case ed25519.PublicKey:
		return EdDSA, nil
	case ed25519.PrivateKey:
		return EdDSA, nil
	default:
		return "", fmt.Errorf("unsupported key type %T", k)
	}
}

// key is the keyfunc: HS256 tokens are checked with the secret; tokens of an asymmetric
// algorithm with the public key their kid header names, which must be a key of that
// very algorithm. So a token cannot choose how its signature is checked: an HS256 token
// made with a public key's bytes meets the secret, never the public key.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if alg == HS256 {
		return v.cfg.Secret, nil
	}
	kid, _ := t.Header["kid"].(string)
	k, ok := v.cfg.PublicKeys[kid]
	if kid == "" || !ok {
		return nil, errUnknownKey
	}
	if ka, err := algorithmOf(k); err != nil || ka != alg {
		return nil, errUnknownKey
	}
	return k, nil
}

var errUnknownKey = errors.New("no key with this kid for this algorithm")

// MaxLifetime returns the longest lifetime of a token that v accepts and mints.
func (v *Verifier) MaxLifetime() time.Duration { return v.cfg.MaxLifetime }

// Verify checks a token's size, algorithm, key, signature, claims, times, issuer and
// audience, and that its role is one of the five and its area a known jurisdiction.
// Claims are read strictly: a claim named in another case ("Role") or given twice
// refuses the token, and so does an exp further than the maximum lifetime after iat or
// after now. It returns the Principal, or an error matching models.ErrUnauthenticated
// whose text says why (never the token).
func (v *Verifier) Verify(token string) (Principal, error) {
	if token == "" {
		return Principal{}, unauthenticated("empty token")
	}
	if len(token) > MaxTokenLength {
		return Principal{}, unauthenticated("token exceeds %d bytes", MaxTokenLength)
	}
	if h, _, _ := strings.Cut(token, "."); len(h) > MaxHeaderLength {
		return Principal{}, unauthenticated("token header exceeds %d bytes", MaxHeaderLength)
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, v.key)
	if err != nil {
		return Principal{}, unauthenticated("%s", reason(err))
	}
	if err := strictClaims(token); err != nil {
		return Principal{}, err
	}
	if err := v.checkLifetime(c, time.Now()); err != nil {
		return Principal{}, err
	}
	if c.Subject == "" {
		return Principal{}, unauthenticated("token has no subject")
	}
	role := models.Role(c.Role)
	if !role.Valid() {
		return Principal{}, unauthenticated("token role is not one of admin, officer, assistant, integrator, auditor")
	}
	if c.Area == "" {
		return Principal{}, unauthenticated("token has no area")
	}
	if _, ok := v.tree.Unit(c.Area); !ok {
		return Principal{}, unauthenticated("token area is not a known jurisdiction code")
	}
	dept := models.Department(c.Department)
	if dept != "" && (role != models.RoleIntegrator || !dept.Valid()) {
		return Principal{}, unauthenticated("token department must be a known department, on an integrator's token")
	}
	return Principal{Subject: c.Subject, Name: c.Name, Role: role, Area: c.Area, Categories: c.Categories, Department: dept}, nil
}

// Sign mints an HS256 token for p that expires after ttl. It returns an error if p's
// role or area is not valid, if ttl is not positive or exceeds the maximum lifetime, or
// if HS256 is not among the allowed algorithms.
func (v *Verifier) Sign(p Principal, ttl time.Duration) (string, error) {
	if !slices.Contains(v.cfg.Algorithms, HS256) {
		return "", errors.New("auth: HS256 is not an allowed algorithm; sign with a private key")
	}
	c, err := v.claims(p, ttl)
	if err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.cfg.Secret)
}

// SignWithKey mints a token for p that expires after ttl, signed with a private key (RSA,
// P-256 ECDSA or Ed25519) and carrying kid in its header. It is meant for tests and
// tooling: the server itself holds public keys only. It returns an error for an invalid
// role or area, for a ttl that is not positive or exceeds the maximum lifetime, and for
// a key of an unsupported kind.
func (v *Verifier) SignWithKey(p Principal, ttl time.Duration, kid string, key crypto.Signer) (string, error) {
	alg, err := algorithmOf(key)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	c, err := v.claims(p, ttl)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), c)
	t.Header["kid"] = kid
	return t.SignedString(key)
}

func (v *Verifier) claims(p Principal, ttl time.Duration) (Claims, error) {
	if ttl <= 0 || ttl > v.cfg.MaxLifetime {
		return Claims{}, fmt.Errorf("auth: a token's lifetime must be more than 0 and at most %s, got %s", v.cfg.MaxLifetime, ttl)
	}
	if !p.Role.Valid() {
		return Claims{}, fmt.Errorf("auth: unknown role %q", p.Role)
	}
	if _, ok := v.tree.Unit(p.Area); !ok {
		return Claims{}, fmt.Errorf("auth: unknown area %q", p.Area)
	}
	if p.Department != "" && (p.Role != models.RoleIntegrator || !p.Department.Valid()) {
		return Claims{}, fmt.Errorf("auth: department %q must be a known department, on an integrator's token", p.Department)
	}
	now := time.Now()
	c := Claims{
		Role: string(p.Role), Area: p.Area, Name: p.Name, Categories: p.Categories, Department: string(p.Department),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   p.Subject,
			Issuer:    v.cfg.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	if v.cfg.Audience != "" {
		c.Audience = jwt.ClaimStrings{v.cfg.Audience}
	}
	return c, nil
}

// Middleware verifies the request's bearer token, if any, and records the outcome in the
// request context for FromContext. It never answers the request itself: GraphQL fields
// report UNAUTHENTICATED, and open endpoints stay open.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r.WithContext(withFailure(r.Context(), unauthenticated("no bearer token"))))
			return
		}
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			next.ServeHTTP(w, r.WithContext(withFailure(r.Context(), unauthenticated("authorization must be a bearer token"))))
			return
		}
		p, err := v.Verify(strings.TrimSpace(token))
		if err != nil {
			next.ServeHTTP(w, r.WithContext(withFailure(r.Context(), err)))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func unauthenticated(format string, args ...any) error {
	return models.Unauthenticated(format, args...)
}

func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required claim"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "token issuer is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "token audience is not accepted"
	case errors.Is(err, errUnknownKey):
		return "token names no known key for its algorithm"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token signature or algorithm is not accepted"
	default:
		return "token is malformed"
	}
}
