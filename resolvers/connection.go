package resolvers

import (
	"context"

	"jiuzhu/models"
	"jiuzhu/store"
)

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
	out := make([]*T, len(p.Items))
	for i := range p.Items {
		out[i] = &p.Items[i]
	}
	return out
}
