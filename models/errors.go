// Package models holds jiuzhu's domain: the gorm models bound by gqlgen, their enums,
// the Money and Date scalars, and the sentinel errors every layer speaks.
package models

import (
	"errors"
	"fmt"
)

// Sentinel errors of the domain. The store wraps them with context; the HTTP edge maps
// them, once, to GraphQL error codes (NOT_FOUND, FORBIDDEN, CONFLICT, BAD_USER_INPUT,
// UNAUTHENTICATED, RATE_LIMITED). Any other error is INTERNAL and its text never reaches the caller.
var (
	// ErrNotFound means the record does not exist or lies outside the caller's area.
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the caller's role or area does not allow the operation.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict means the operation collides with existing data or a concurrent change.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input is malformed; it is usually carried by a *FieldError.
	ErrInvalid = errors.New("invalid input")
	// ErrUnauthenticated means there is no valid bearer token.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrRateLimited means the caller asked for something limited per caller too often;
	// it may ask again later.
	ErrRateLimited = errors.New("rate limited")
)

// FieldError is bad input in one named field. It matches ErrInvalid with errors.Is.
type FieldError struct {
	// Field is the input path of the offending value, for example "input.idNumber".
	Field string
	// Message says what is wrong, in words fit for the caller.
	Message string
}

// Error returns "field: message", or the message alone while the field is unknown (an
// unmarshaller of a scalar does not know it; the edge adds the argument's path).
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Invalid returns a *FieldError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithField returns err with its field path prefixed by prefix ("input" + "idNumber" gives
// "input.idNumber"). Errors that are not a *FieldError are returned unchanged.
func WithField(prefix string, err error) error {
	var fe *FieldError
	if prefix == "" || !errors.As(err, &fe) {
		return err
	}
	field := prefix
	if fe.Field != "" {
		field = prefix + "." + fe.Field
	}
	return &FieldError{Field: field, Message: fe.Message}
}

// Forbidden returns an error matching ErrForbidden with a message for the caller.
func Forbidden(format string, args ...any) error {
	return &codedError{sentinel: ErrForbidden, msg: fmt.Sprintf(format, args...)}
}

// Conflict returns an error matching ErrConflict with a message for the caller.
func Conflict(format string, args ...any) error {
	return &codedError{sentinel: ErrConflict, msg: fmt.Sprintf(format, args...)}
}

// NotFound returns an error matching ErrNotFound that names what was not found.
func NotFound(what string) error {
	return &codedError{sentinel: ErrNotFound, msg: what + " not found"}
}

// codedError is a sentinel with a message written for the caller.
type codedError struct {
	sentinel error
	msg      string
}

func (e *codedError) Error() string        { return e.msg }
func (e *codedError) Is(target error) bool { return target == e.sentinel }

// PublicMessage returns the text of err that may be shown to a caller: the message of a
// *FieldError or of an error built by Forbidden, Conflict or NotFound, and otherwise the
// bare sentinel's text, so that wrapped context (table names, ids) never leaks.
func PublicMessage(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.msg
	}
	for _, s := range []error{ErrNotFound, ErrForbidden, ErrConflict, ErrInvalid, ErrUnauthenticated, ErrRateLimited} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "internal error"
}

// RateLimited returns an error matching ErrRateLimited with a message for the caller.
func RateLimited(format string, args ...any) error {
	return &codedError{sentinel: ErrRateLimited, msg: fmt.Sprintf(format, args...)}
}

// Unauthenticated returns an error matching ErrUnauthenticated that says why.
func Unauthenticated(format string, args ...any) error {
	return &codedError{sentinel: ErrUnauthenticated, msg: "unauthenticated: " + fmt.Sprintf(format, args...)}
}
