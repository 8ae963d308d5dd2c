// Package documents keeps supporting documents (ID card copies, income proofs, medical
// bills) in a content-addressed store: a file is named by the SHA-256 of its content, so
// a file stored twice is kept once and a stored file cannot change under its name. The
// store is an interface, Blobs, with two implementations: Disk, a directory on the local
// disk (the default), and S3, a bucket of an S3-compatible object store. Neither is ever
// served from a public URL: files leave through the API only, with the caller's scope.
//
// The package also checks uploads by their content (Sniff): only JPEG, PNG and PDF are
// accepted, whatever the file's name or declared type says.
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"regexp"
)

// Blobs stores files by the hex SHA-256 of their content.
type Blobs interface {
	// Put stores data under sum, its SHA-256; storing the same content again is a no-op.
	Put(ctx context.Context, sum string, data []byte, contentType string) error
	// Open returns the content stored under sum, or an error matching ErrMissing.
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	// Delete removes the content stored under sum; removing a content that is not there
	// is a no-op. The caller makes sure that no document still has it.
	Delete(ctx context.Context, sum string) error
}

// ErrMissing is returned by Open for a sum that has no content.
var ErrMissing = errors.New("documents: no content under this digest")

// ErrBadSum is returned for a name that is not 64 lower-case hex digits.
var ErrBadSum = errors.New("documents: not a SHA-256 digest")

var sumPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Sum returns the hex SHA-256 of data, the name it is stored under.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// checkSum returns ErrBadSum unless sum is a digest, so that no name reaches a path or
// an object key unchecked.
func checkSum(sum string) error {
	if !sumPattern.MatchString(sum) {
		return ErrBadSum
	}
	return nil
}

// Accepted are the content types an upload may have, as Sniff names them.
var Accepted = []string{"image/jpeg", "image/png", "application/pdf"}

// Sniff returns the content type of data as its first bytes show it, and whether it is
// one of Accepted. A name or a declared type plays no part.
func Sniff(data []byte) (string, bool) {
	t := http.DetectContentType(data)
	for _, a := range Accepted {
		if t == a {
			return t, true
		}
	}
	return t, false
}

// Extension returns the file extension of an accepted content type, for the name a
// download is saved under.
func Extension(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "application/pdf":
		return ".pdf"
	}
	return ""
}
