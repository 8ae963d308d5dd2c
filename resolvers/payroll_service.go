package resolvers

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework/payroll"
	"jiuzhu/models"
	"jiuzhu/store"
)

// payroll returns the payroll's use cases over the resolver's store, and the verified
// caller of ctx. It returns an error matching models.ErrUnauthenticated without one.
func (r *Resolver) payroll(ctx context.Context) (*payroll.Service, auth.Principal, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, auth.Principal{}, err
	}
	return payroll.New(r.Store), p, nil
}

// totals returns the money of a payroll by settlement.
func (r *Resolver) totals(ctx context.Context, pr *models.Payroll) (*store.PayrollTotals, error) {
	svc, p, err := r.payroll(ctx)
	if err != nil {
		return nil, err
	}
	return svc.Totals(ctx, p, pr.ID)
}
