package casework

import (
	"slices"

	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// DiscoveryRules returns q with the rules of the discovery list of the policy (P7):
// the coverages of policy.Coverages and the receiving statuses of policy.Receiving,
// whatever q said of them. The store selects the households by them; Unanswered then
// names each household's reasons.
func DiscoveryRules(q store.DiscoveryQuery) store.DiscoveryQuery {
	q.Coverages = make([]store.Coverage, len(policy.Coverages))
	for i, c := range policy.Coverages {
		q.Coverages[i] = store.Coverage(c)
	}
	q.Receiving = policy.Receiving
	return q
}

// Unanswered returns the reasons c raises that none of its receiving grants answers, in
// the order of policy.Coverages (P7); an empty list, not nil, when there is none.
func Unanswered(c *store.Candidate) []models.DiscoveryReason {
	reasons := []models.DiscoveryReason{}
	for _, cv := range policy.Coverages {
		if !slices.Contains(c.Raised, cv.Reason) {
			continue
		}
		answered := slices.ContainsFunc(c.Receiving, func(g store.HeldGrant) bool {
			return cv.Any || slices.Contains(cv.Programs, g.ProgramCode) || slices.Contains(cv.Categories, g.CategoryCode)
		})
		if !answered {
			reasons = append(reasons, cv.Reason)
		}
	}
	return reasons
}
