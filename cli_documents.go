package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"jiuzhu/documents"
)

// The variables of the document store that serve uses.
const (
	// envDocumentsDir is the directory of the local store; by default "documents" in the
	// data directory.
	envDocumentsDir = "DOCUMENTS_DIR"
	// envDocumentsS3 is the URL of an S3-compatible object store; set, documents go to
	// its bucket envDocumentsBucket instead of the local disk.
	envDocumentsS3        = "DOCUMENTS_S3_ENDPOINT"
	envDocumentsBucket    = "DOCUMENTS_S3_BUCKET"
	envDocumentsAccessKey = "DOCUMENTS_S3_ACCESS_KEY"
	envDocumentsSecretKey = "DOCUMENTS_S3_SECRET_KEY"
	envDocumentsRegion    = "DOCUMENTS_S3_REGION"
	// envDocumentsMaxBytes bounds an upload (bytes).
	envDocumentsMaxBytes = "DOCUMENTS_MAX_BYTES"
)

// documentStore returns the store of supporting documents and the upload limit (0 for
// the default) that the environment configures. It returns an error naming the
// variable whose value is wrong or missing.
func documentStore(dataDir string) (documents.Blobs, int64, error) {
	var max int64
	if v := os.Getenv(envDocumentsMaxBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, 0, fmt.Errorf("%s: %q is not a positive number of bytes", envDocumentsMaxBytes, v)
		}
		max = n
	}
	if endpoint := os.Getenv(envDocumentsS3); endpoint != "" {
		if os.Getenv(envDocumentsBucket) == "" {
			return nil, 0, fmt.Errorf("%s is set but %s is not", envDocumentsS3, envDocumentsBucket)
		}
		s3, err := documents.NewS3(documents.S3Config{
			Endpoint: endpoint, Bucket: os.Getenv(envDocumentsBucket), Region: os.Getenv(envDocumentsRegion),
			AccessKey: os.Getenv(envDocumentsAccessKey), SecretKey: os.Getenv(envDocumentsSecretKey),
		})
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", envDocumentsS3, err)
		}
		return s3, max, nil
	}
	dir := os.Getenv(envDocumentsDir)
	if dir == "" {
		dir = filepath.Join(dataDir, "documents")
	}
	return documents.Disk{Dir: dir}, max, nil
}
