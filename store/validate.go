package store

import (
	"jiuzhu/casework/input"
)

// The checks of input live in casework/input. The grants' files not yet moved to
// casework still validate here, through these names, and the import plan names its
// records' fields with indexed; each goes when the last of its callers moves.
const maxReasonLen = input.MaxReasonLen

var (
	text         = input.Text
	refuseMasked = input.RefuseMasked
	indexed      = input.Indexed
)
