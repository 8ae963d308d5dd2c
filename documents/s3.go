package documents

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps files as objects of Bucket, named Prefix + digest, on an S3-compatible object
// store. The bucket must not be public: files leave through the API only.
type S3 struct {
	Client *minio.Client
	Bucket string
	Prefix string
}

// S3Config says where the object store is.
type S3Config struct {
	// Endpoint is the store's URL, http:// or https://host[:port].
	Endpoint             string
	AccessKey, SecretKey string
	Bucket, Prefix       string
	Region               string
}

// NewS3 returns the store of cfg, with path-style bucket names (which every
// S3-compatible server takes). It returns an error for an endpoint that is not an http
// or https URL.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("documents: the S3 endpoint is not an http or https URL")
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("documents: S3 client: %w", err)
	}
	return &S3{Client: c, Bucket: cfg.Bucket, Prefix: cfg.Prefix}, nil
}

// Put stores data under sum. It returns ErrBadSum for a name that is not a digest, and
// the object store's errors.
func (s *S3) Put(ctx context.Context, sum string, data []byte, contentType string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	_, err := s.Client.PutObject(ctx, s.Bucket, s.Prefix+sum, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType})
	return err
}

// Open returns the object stored under sum. It returns ErrMissing when there is none,
// ErrBadSum for a name that is not a digest, and the object store's errors.
func (s *S3) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	obj, err := s.Client.GetObject(ctx, s.Bucket, s.Prefix+sum, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	// GetObject is lazy: Stat asks the server, so a missing object fails here.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, ErrMissing
		}
		return nil, err
	}
	return obj, nil
}

// Delete removes the object stored under sum; a missing object is no error (S3 answers
// a removal of one with success). It returns ErrBadSum for a name that is not a digest,
// and the object store's errors.
func (s *S3) Delete(ctx context.Context, sum string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	return s.Client.RemoveObject(ctx, s.Bucket, s.Prefix+sum, minio.RemoveObjectOptions{})
}
