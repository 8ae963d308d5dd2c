package store

import (
	"jiuzhu/casework/input"
	"jiuzhu/models"
)

// The checks of input live in casework/input. The aggregates not yet moved to casework
// still validate here, through these names; each goes when the last of its callers moves.
const (
	maxNameLen    = input.MaxNameLen
	maxAddressLen = input.MaxAddressLen
	maxRefLen     = input.MaxRefLen
	maxReasonLen  = input.MaxReasonLen
)

var (
	text         = input.Text
	optionalText = input.OptionalText
	refuseMasked = input.RefuseMasked
	checkOneHead = input.OneHead
	indexed      = input.Indexed
)

// newMember is input.NewMember as of the store's clock, for the import of households.
func (s *Store) newMember(field string, in *models.MemberInput) (*models.Member, error) {
	return input.NewMember(field, in, s.now())
}
