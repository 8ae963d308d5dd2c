package auth

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" block (PKIX: RSA, P-256 ECDSA or Ed25519).
// It returns an error for anything else, a private key included.
func ParsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("PEM block is %q, want PUBLIC KEY", block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	if _, err := algorithmOf(k); err != nil {
		return nil, err
	}
	return k, nil
}

// ParsePrivateKeyPEM reads a PEM "PRIVATE KEY" block (PKCS #8), or a PKCS #1 "RSA
// PRIVATE KEY" or SEC 1 "EC PRIVATE KEY" block, for signing test tokens.
func ParsePrivateKeyPEM(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var (
		k   any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, want a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", k)
	}
	if _, err := algorithmOf(s); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadPublicKeys reads a key list written "kid1=/path/a.pem,kid2=/path/b.pem" (the form
// of JWT_PUBLIC_KEYS). It returns an error naming the entry for a malformed entry, a
// repeated kid, an unreadable file or a file that holds no supported public key.
func LoadPublicKeys(spec string) (map[string]crypto.PublicKey, error) {
	keys := map[string]crypto.PublicKey{}
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		kid, path, ok := strings.Cut(entry, "=")
		kid, path = strings.TrimSpace(kid), strings.TrimSpace(path)
		if !ok || kid == "" || path == "" {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: entry %q is not kid=/path/key.pem", entry)
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: kid %q appears twice", kid)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: kid %q: %w", kid, err)
		}
		k, err := ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("JWT_PUBLIC_KEYS: kid %q (%s): %w", kid, path, err)
		}
		keys[kid] = k
	}
	return keys, nil
}
