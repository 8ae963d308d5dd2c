package main

import (
	"io"

	"github.com/spf13/cobra"

	"jiuzhu/graph"
)

func (c *cli) schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the GraphQL schema (SDL) the server answers",
		Long: `Print the GraphQL schema the server answers, in the schema definition language: the
graph/*.graphqls files built into this binary, each preceded by a comment naming it. It
needs no database, and works where introspection is off.`,
		Example: `  jiuzhu schema > jiuzhu.graphqls`,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(c.out, graph.SDL())
			return err
		},
	}
}
