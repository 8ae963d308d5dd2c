package documents

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Disk keeps files under Dir, as Dir/ab/abcdef… (the first two digits of the digest name
// a subdirectory). Files are written to a temporary name and renamed, so a reader never
// sees half a file, and a crash leaves at most a temporary file behind.
type Disk struct{ Dir string }

func (d Disk) path(sum string) string { return filepath.Join(d.Dir, sum[:2], sum) }

// Put stores data under sum. It returns ErrBadSum for a name that is not a digest, and
// the file system's errors.
func (d Disk) Put(_ context.Context, sum string, data []byte, _ string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	p := d.path(sum)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// Open returns the file stored under sum. It returns ErrMissing when there is none,
// ErrBadSum for a name that is not a digest, and the file system's errors.
func (d Disk) Open(_ context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrMissing
	}
	return f, err
}

// Delete removes the file stored under sum; a missing file is no error. It returns
// ErrBadSum for a name that is not a digest, and the file system's errors.
func (d Disk) Delete(_ context.Context, sum string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	err := os.Remove(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
