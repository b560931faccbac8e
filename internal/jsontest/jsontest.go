// Package jsontest checks the JSON documents regdr writes: plans, reports, results and
// the values they embed use one casing, lower snake_case, at every depth.
package jsontest

import (
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// snakeKey is the one JSON casing regdr writes: lower snake_case.
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Keys returns the path of every object key in the JSON document v marshals to, sorted;
// array elements show as "[]". The objects at the paths in data (".manifests") are maps
// whose keys are data, such as digests or repository names, not field names: their keys
// are not returned, their values are walked under the path "<path>{}".
func Keys(t testing.TB, v any, data ...string) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshalling %T: %v", v, err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshalling %T: %v", v, err)
	}
	var keys []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if slices.Contains(data, path) {
				for _, c := range v {
					walk(path+"{}", c)
				}
				return
			}
			for k, c := range v {
				keys = append(keys, path+"."+k)
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path+"[]", c)
			}
		}
	}
	walk("", doc)
	sort.Strings(keys)
	return keys
}

// IsSnake reports whether key is lower snake_case.
func IsSnake(key string) bool { return snakeKey.MatchString(key) }

// SnakeCase fails t for every key of v's JSON that is not lower snake_case, and when v
// marshals to no key at all (set every field so that omitempty hides none). data are the
// paths of maps keyed by data, as for Keys.
func SnakeCase(t testing.TB, v any, data ...string) {
	t.Helper()
	keys := Keys(t, v, data...)
	if len(keys) == 0 {
		t.Fatalf("%T marshals to no keys", v)
	}
	for _, k := range keys {
		last := k
		for i := len(k) - 1; i >= 0; i-- {
			if k[i] == '.' {
				last = k[i+1:]
				break
			}
		}
		if !IsSnake(last) {
			t.Errorf("%T: key %s is not snake_case", v, k)
		}
	}
}

// One fails t unless doc is exactly one JSON document: one value, then nothing but
// white space — what a program's -json output must be whatever happened.
func One(t testing.TB, doc string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Errorf("not a JSON document: %v\n%q", err, doc)
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Errorf("more than one JSON document (%v):\n%s", err, doc)
	}
}
