package documents_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"

	"jiuzhu/documents"
)

// startS3 serves an in-memory S3 server (gofakes3) over HTTP for the test's lifetime,
// with bucket made, and returns a store on it.
func startS3(t *testing.T, bucket string) *documents.S3 {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	s3, err := documents.NewS3(documents.S3Config{Endpoint: srv.URL, AccessKey: "test", SecretKey: "test-secret",
		Bucket: bucket, Prefix: "documents/", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.Client.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	return s3
}

// TestBlobs stores, reads back and misses files on the local disk and on an S3 server
// over HTTP: content comes back as stored, storing it twice is harmless, an unknown digest
// is ErrMissing, a deleted content is missing (deleting it again is harmless) and can be
// stored again, and a name that is not a digest never reaches a path or a key.
func TestBlobs(t *testing.T) {
	for _, b := range []struct {
		name  string
		blobs func(t *testing.T) documents.Blobs
	}{
		{"disk", func(t *testing.T) documents.Blobs { return documents.Disk{Dir: t.TempDir()} }},
		{"s3", func(t *testing.T) documents.Blobs { return startS3(t, "jiuzhu-test") }},
	} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			blobs := b.blobs(t)
			data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("收入证明"), 1000)...)
			sum := documents.Sum(data)
			for range 2 {
				if err := blobs.Put(ctx, sum, data, "application/pdf"); err != nil {
					t.Fatal(err)
				}
			}
			r, err := blobs.Open(ctx, sum)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes (%v), want %d", len(got), err, len(data))
			}
			if _, err := blobs.Open(ctx, documents.Sum([]byte("other"))); !errors.Is(err, documents.ErrMissing) {
				t.Errorf("unknown digest: %v", err)
			}
			for _, bad := range []string{"../../etc/passwd", "", sum[:10], sum + "/x"} {
				if err := blobs.Put(ctx, bad, data, ""); !errors.Is(err, documents.ErrBadSum) {
					t.Errorf("put %q: %v", bad, err)
				}
				if _, err := blobs.Open(ctx, bad); !errors.Is(err, documents.ErrBadSum) {
					t.Errorf("open %q: %v", bad, err)
				}
				if err := blobs.Delete(ctx, bad); !errors.Is(err, documents.ErrBadSum) {
					t.Errorf("delete %q: %v", bad, err)
				}
			}
			for range 2 {
				if err := blobs.Delete(ctx, sum); err != nil {
					t.Fatalf("delete: %v", err)
				}
				if _, err := blobs.Open(ctx, sum); !errors.Is(err, documents.ErrMissing) {
					t.Errorf("open a deleted content: %v", err)
				}
			}
			if err := blobs.Put(ctx, sum, data, "application/pdf"); err != nil {
				t.Fatal(err)
			}
			if r, err := blobs.Open(ctx, sum); err != nil {
				t.Errorf("open a content stored again: %v", err)
			} else {
				r.Close()
			}
		})
	}
}

// TestSniff checks that the type comes from the content: a PDF, a JPEG and a PNG pass
// whatever they are called, text and HTML do not.
func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
		ok   bool
	}{
		{"pdf", []byte("%PDF-1.4\n..."), "application/pdf", true},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg", true},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", true},
		{"text", []byte("身份证复印件"), "text/plain; charset=utf-8", false},
		{"html", []byte("<html><script>alert(1)</script>"), "text/html; charset=utf-8", false},
	} {
		got, ok := documents.Sniff(tt.data)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %s %v, want %s %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
