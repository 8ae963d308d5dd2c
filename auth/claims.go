package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// claimNames are the claims jiuzhu reads, spelled exactly as a token must spell them.
var claimNames = []string{"sub", "role", "area", "name", "categories", "department", "exp", "nbf", "iat", "iss", "aud", "jti"}

// strictClaims reads the payload of token, whose signature is already checked, as a
// JSON object and refuses it when a key is given twice or when a key matches one of
// claimNames only by folding case ("Role", "ROLE", "ſub"). encoding/json, which decodes
// the claims, takes the last of duplicate keys and matches keys case-insensitively, so
// without this check {"role":"officer","Role":"admin"} would be read as an admin. Other
// claims are allowed and ignored. It returns an error matching models.ErrUnauthenticated.
func strictClaims(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return unauthenticated("token is malformed")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return unauthenticated("token is malformed")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return unauthenticated("token claims are not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return unauthenticated("token claims are malformed")
		}
		key, _ := t.(string)
		if seen[key] {
			return unauthenticated("token repeats a claim")
		}
		seen[key] = true
		for _, name := range claimNames {
			if key != name && strings.EqualFold(key, name) {
				return unauthenticated("token claim names must be lower case as specified")
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return unauthenticated("token claims are malformed")
		}
	}
	if _, err := dec.Token(); err != nil {
		return unauthenticated("token claims are malformed")
	}
	if _, err := dec.Token(); err == nil {
		return unauthenticated("token claims are malformed")
	}
	return nil
}

// checkLifetime refuses a token whose exp lies further than the maximum lifetime after
// its iat, or (with or without iat) after now; the leeway allows for clock skew. It
// returns an error matching models.ErrUnauthenticated.
func (v *Verifier) checkLifetime(c Claims, now time.Time) error {
	if c.ExpiresAt == nil {
		return unauthenticated("token lacks a required claim")
	}
	exp := c.ExpiresAt.Time
	if exp.Sub(now) > v.cfg.MaxLifetime+v.cfg.Leeway {
		return unauthenticated("token lifetime exceeds %s", v.cfg.MaxLifetime)
	}
	if c.IssuedAt != nil && exp.Sub(c.IssuedAt.Time) > v.cfg.MaxLifetime {
		return unauthenticated("token lifetime exceeds %s", v.cfg.MaxLifetime)
	}
	return nil
}
