package redisstore

import (
	"context"
	"errors"

	"github.com/geoheat/geoheat/internal/store"
)

// errExploreTODO stands in for the exploration queries until they land (this session).
var errExploreTODO = errors.New("redisstore: exploration queries are not implemented yet")

// Histogram implements store.Querier.
func (s *Store) Histogram(ctx context.Context, q store.HistogramQuery) (store.HistogramResult, error) {
	return store.HistogramResult{}, errExploreTODO
}

// Posts implements store.Querier.
func (s *Store) Posts(ctx context.Context, q store.PostsQuery) (store.PostsResult, error) {
	return store.PostsResult{}, errExploreTODO
}
