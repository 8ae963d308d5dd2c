// Package casework holds what the use cases of every area of the domain share: who the
// caller is and what it may do, and the policy's rules as the store applies them when it
// refreshes derived values (Rules). The use cases themselves live in one package per
// aggregate below it (casework/households, ...); see docs/architecture.md.
package casework

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Check is a check of the caller made when a use case opens, before any input is read:
// it returns an error (Forbidden) for a caller that may not go on.
type Check func(store.Scope) error

// Open opens a use case: it returns the scope of the verified caller in ctx (Caller)
// once every check allows the caller, in order. It returns an error matching
// models.ErrUnauthenticated when ctx has no caller, and otherwise the error of the first
// check that refuses it.
func Open(ctx context.Context, checks ...Check) (store.Scope, error) {
	sc, err := Caller(ctx)
	if err != nil {
		return store.Scope{}, err
	}
	for _, c := range checks {
		if err := c(sc); err != nil {
			return store.Scope{}, err
		}
	}
	return sc, nil
}

// Allows returns the check that the caller's role allows action a: the Forbidden error
// of May, saying the role may not do what, otherwise.
func Allows(a auth.Action, what string) Check {
	return func(sc store.Scope) error { return May(sc, a, what) }
}

// Caller returns the scope of the verified caller in ctx, built once for the use case.
// It returns an error matching models.ErrUnauthenticated when ctx has no caller.
func Caller(ctx context.Context) (store.Scope, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return store.Scope{}, err
	}
	return store.ScopeFor(p), nil
}

// May returns a Forbidden error, saying the caller's role may not do what, unless the
// role of sc's caller allows action a.
func May(sc store.Scope, a auth.Action, what string) error {
	p := sc.Principal()
	if !p.May(a) {
		return models.Forbidden("the %s role may not %s", p.Role, what)
	}
	return nil
}
