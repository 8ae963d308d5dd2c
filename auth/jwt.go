package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"jiuzhu/division"
	"jiuzhu/models"
)

// MinSecretLength is the shortest HS256 secret accepted, in bytes.
const MinSecretLength = 32

// maxTokenLength bounds the bearer token accepted before parsing.
const maxTokenLength = 8 << 10

// Config configures token verification and signing.
type Config struct {
	// Secret is the HS256 key; at least MinSecretLength bytes.
	Secret []byte
	// Issuer, when set, must equal the token's iss claim, and is written on minted tokens.
	Issuer string
	// Audience, when set, must be among the token's aud claim, and is written on minted tokens.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
}

// Claims is the payload of a jiuzhu token (DESIGN §4).
type Claims struct {
	Role       string   `json:"role"`
	Area       string   `json:"area"`
	Name       string   `json:"name,omitempty"`
	Categories []string `json:"categories,omitempty"`
	jwt.RegisteredClaims
}

// Verifier checks bearer tokens and mints them with the same key.
type Verifier struct {
	cfg    Config
	tree   *division.Tree
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg that accepts only areas of tree. It returns an
// error when the secret is shorter than MinSecretLength bytes.
func NewVerifier(cfg Config, tree *division.Tree) (*Verifier, error) {
	if len(cfg.Secret) < MinSecretLength {
		return nil, fmt.Errorf("auth: JWT secret must be at least %d bytes, got %d", MinSecretLength, len(cfg.Secret))
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &Verifier{cfg: cfg, tree: tree, parser: jwt.NewParser(opts...)}, nil
}

// Verify checks a token's signature, algorithm, times, issuer and audience, and that its
// role is one of the five and its area a known jurisdiction. It returns the Principal, or
// an error matching models.ErrUnauthenticated whose text says why (never the token).
func (v *Verifier) Verify(token string) (Principal, error) {
	if token == "" || len(token) > maxTokenLength {
		return Principal{}, unauthenticated("missing or oversized token")
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return v.cfg.Secret, nil })
	if err != nil {
		return Principal{}, unauthenticated(reason(err))
	}
	if c.Subject == "" {
		return Principal{}, unauthenticated("token has no subject")
	}
	role := models.Role(c.Role)
	if !role.Valid() {
		return Principal{}, unauthenticated("token role is not one of admin, officer, assistant, integrator, auditor")
	}
	if _, ok := v.tree.Unit(c.Area); !ok {
		return Principal{}, unauthenticated("token area is not a known jurisdiction code")
	}
	return Principal{Subject: c.Subject, Name: c.Name, Role: role, Area: c.Area, Categories: c.Categories}, nil
}

// Sign mints a token for p that expires after ttl. It returns an error if p's role or
// area is not valid.
func (v *Verifier) Sign(p Principal, ttl time.Duration) (string, error) {
	if !p.Role.Valid() {
		return "", fmt.Errorf("auth: unknown role %q", p.Role)
	}
	if _, ok := v.tree.Unit(p.Area); !ok {
		return "", fmt.Errorf("auth: unknown area %q", p.Area)
	}
	now := time.Now()
	c := Claims{
		Role: string(p.Role), Area: p.Area, Name: p.Name, Categories: p.Categories,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   p.Subject,
			Issuer:    v.cfg.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	if v.cfg.Audience != "" {
		c.Audience = jwt.ClaimStrings{v.cfg.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.cfg.Secret)
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

func unauthenticated(why string) error {
	return models.Unauthenticated("%s", why)
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
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token signature or algorithm is not accepted"
	default:
		return "token is malformed"
	}
}
