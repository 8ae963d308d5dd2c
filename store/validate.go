package store

import (
	"jiuzhu/casework/input"
)

// The checks of input live in casework/input. The aggregates not yet moved to casework
// still validate here, through these names; each goes when the last of its callers moves.
const (
	maxAddressLen = input.MaxAddressLen
	maxRefLen     = input.MaxRefLen
	maxNameLen    = input.MaxNameLen
	maxReasonLen  = input.MaxReasonLen
)

var (
	text         = input.Text
	optionalText = input.OptionalText
	refuseMasked = input.RefuseMasked
	indexed      = input.Indexed
	importError  = input.ImportFault
)
