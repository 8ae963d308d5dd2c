package resolvers

import (
	"context"

	"jiuzhu/models"
	"jiuzhu/store"
)

// pageArgs is the opening of every list field: its four Relay arguments as the store's
// paging arguments.
func pageArgs(first *int, after *string, last *int, before *string) store.PageArgs {
	return store.PageArgs{First: first, After: after, Last: last, Before: before}
}

// relay is a store page as the parts of a Relay connection: its edges, built by the
// connection's edge function, its page info, its lazy total count and its nodes (for the
// loaders).
type relay[T, E any] struct {
	Edges    []E
	PageInfo *models.PageInfo
	Count    func(context.Context) (int, error)
	Nodes    []*T
}

// connect returns the Relay parts of page, or err when the read failed. edge makes the
// edge of one node from its cursor; every connection type is built through here.
func connect[T, E any](page *store.Page[T], err error, edge func(cursor string, node *T) E) (*relay[T, E], error) {
	if err != nil {
		return nil, err
	}
	c := &relay[T, E]{Edges: make([]E, len(page.Items)), PageInfo: pageInfo(page), Count: counter(page), Nodes: nodes(page)}
	for i := range page.Items {
		c.Edges[i] = edge(page.Cursors[i], c.Nodes[i])
	}
	return c, nil
}

// pageInfo returns the Relay page info of a store page.
func pageInfo[T any](p *store.Page[T]) *models.PageInfo {
	info := &models.PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPreviousPage}
	if c := p.StartCursor(); c != "" {
		info.StartCursor = &c
	}
	if c := p.EndCursor(); c != "" {
		info.EndCursor = &c
	}
	return info
}

// counter adapts a page's lazy count to a connection's totalCount.
func counter[T any](p *store.Page[T]) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return p.Count() }
}

// nodes returns pointers to the items of a page, for the loaders.
func nodes[T any](p *store.Page[T]) []*T {
	out, _ := pointers(p.Items, nil)
	return out
}

// pointers returns pointers to the elements of vs, the answer of a list field that is
// not a connection, or err when the read failed; every such list is built through here.
func pointers[T any](vs []T, err error) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out, nil
}
