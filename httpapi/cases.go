package httpapi

import (
	"jiuzhu/casework/applications"
	"jiuzhu/casework/catalogue"
	"jiuzhu/casework/categoryviews"
	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/funds"
	"jiuzhu/casework/grants"
	"jiuzhu/casework/grievances"
	"jiuzhu/casework/households"
	"jiuzhu/casework/imports"
	"jiuzhu/casework/referrals"
	"jiuzhu/casework/reports"
	"jiuzhu/casework/reviews"
	"jiuzhu/casework/staffing"
	"jiuzhu/casework/verifications"
	"jiuzhu/policy"
	"jiuzhu/resolvers"
	"jiuzhu/store"
)

// casesOver returns the use cases the resolvers call, over st and judged by the policy's
// configuration rules.
func casesOver(st *store.Store, rules policy.Config) resolvers.Cases {
	refs := referrals.New(st, rules)
	return resolvers.Cases{
		Households:    households.New(st),
		Grants:        grants.New(st, rules),
		Staffing:      staffing.New(st, rules),
		Funds:         funds.New(st),
		Reports:       reports.New(st),
		Applications:  applications.New(st, refs.Hook()),
		Imports:       imports.New(st),
		Grievances:    grievances.New(st, rules),
		Referrals:     refs,
		Catalogue:     catalogue.New(st),
		Discoveries:   discoveries.New(st),
		Reviews:       reviews.New(st, rules),
		Verifications: verifications.New(st, rules),
		CategoryViews: categoryviews.New(st),
	}
}

// rules returns the policy's configuration of o: Policy, or policy.DefaultConfig.
func (o Options) rules() policy.Config {
	if o.Policy != nil {
		return *o.Policy
	}
	return policy.DefaultConfig()
}
