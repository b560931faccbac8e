package dnstest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/regdr/regdr/dns"
)

// apiError is an Alibaba OpenAPI error answer: HTTP status, Code and Message.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// intParam reads an optional integer parameter; missing → def.
func intParam(q url.Values, name string, def int) (int, *apiError) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest("InvalidParameter", "%s %q is not an integer", name, s)
	}
	return n, nil
}

func required(q url.Values, names ...string) *apiError {
	for _, n := range names {
		if q.Get(n) == "" {
			return badRequest("MissingParameter", "%s is mandatory for this action", n)
		}
	}
	return nil
}

// pageParams reads PageNumber and PageSize: PageNumber ≥ 1; PageSize 1..limit, default def.
func pageParams(q url.Values, def, limit int) (number, size int, err *apiError) {
	if number, err = intParam(q, "PageNumber", 1); err != nil {
		return 0, 0, err
	}
	if size, err = intParam(q, "PageSize", min(def, limit)); err != nil {
		return 0, 0, err
	}
	if number < 1 {
		return 0, 0, badRequest("InvalidParameter", "PageNumber %d < 1", number)
	}
	if size < 1 || size > limit {
		return 0, 0, badRequest("InvalidParameter", "PageSize %d outside 1..%d", size, limit)
	}
	return number, size, nil
}

// page returns the 1-based page of items.
func page[T any](items []T, number, size int) []T {
	lo := min((number-1)*size, len(items))
	hi := min(lo+size, len(items))
	return items[lo:hi]
}

func totalPages(total, size int) int { return (total + size - 1) / size }

// checkRecord validates a record the API is asked to write, and its neighbours:
// a CNAME shares its name with nothing, and no two records are identical.
func checkRecord(z *zone, r dns.Record, conflictCode, duplicateCode string) *apiError {
	if err := dns.ValidateRecord(r); err != nil {
		return badRequest("InvalidParameter", "%v", err)
	}
	for _, o := range z.records {
		if o.ID == r.ID || !strings.EqualFold(o.Name, r.Name) {
			continue
		}
		if o.Type == r.Type && dns.SameValue(r.Type, o.Value, r.Value) {
			return badRequest(duplicateCode, "The domain record is duplicated.")
		}
		if o.Type == dns.TypeCNAME || r.Type == dns.TypeCNAME {
			return badRequest(conflictCode, "The domain record is conflict with other records (%s: %s %s).", o.ID, o.Type, o.Value)
		}
	}
	return nil
}

// sortedRecords returns the zone's records sorted by ID (creation order).
func sortedRecords(z *zone) []dns.Record {
	out := copyRecords(z.records)
	slices.SortStableFunc(out, func(a, b dns.Record) int {
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return int(x - y)
	})
	return out
}

func mustInt64(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

// orEmpty keeps an empty list a JSON [] rather than null, as the real API answers.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
