package harbor

import (
	"context"
	"fmt"
)

// maxPageSize is the largest page Harbor serves.
const maxPageSize = 100

// listAll fetches every page of a list, 100 items at a time, until a short page
// or X-Total-Count items. Each page is one call (with the client's timeout).
func listAll[T any](ctx context.Context, c *Client, op string, fetch func(ctx context.Context, page, size int64) ([]T, int64, error)) ([]T, error) {
	var all []T
	for page := int64(1); ; page++ {
		var items []T
		var total int64
		err := c.call(ctx, fmt.Sprintf("%s (page %d)", op, page), func(ctx context.Context) error {
			var err error
			items, total, err = fetch(ctx, page, maxPageSize)
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) < maxPageSize || (total > 0 && int64(len(all)) >= total) {
			return all, nil
		}
		if page > 100000 {
			return nil, fmt.Errorf("harbor: %s: more than %d pages", op, page)
		}
	}
}
