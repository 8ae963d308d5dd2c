package graph

import "strings"

// SDL returns the GraphQL schema the server answers, in the schema definition language:
// the *.graphqls files of this package in the order of their names, each preceded by a
// comment line naming it ("# catalogue.graphqls") and separated by a blank line.
func SDL() string {
	var b strings.Builder
	for i, s := range sources {
		if s.BuiltIn {
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("# " + s.Name + "\n")
		b.WriteString(s.Input)
		if !strings.HasSuffix(s.Input, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}
