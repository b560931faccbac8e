package aliyuntest

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Golden is one documented answer of an action, copied from the project's Alibaba fact
// pack (shared/reference/alibaba) into a testdata file with its source.
type Golden struct {
	// Source names where the example comes from (fact pack file, section and its sources).
	Source string `json:"source"`
	// Status is the documented HTTP status; 0 means 200.
	Status int `json:"status,omitempty"`
	// Response is the documented body.
	Response json.RawMessage `json:"response"`
}

// LoadGolden reads a Golden from a JSON file.
func LoadGolden(path string) (Golden, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Golden{}, err
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		return Golden{}, fmt.Errorf("reading %s: %w", path, err)
	}
	if g.Source == "" || len(g.Response) == 0 {
		return Golden{}, fmt.Errorf("reading %s: a golden needs a source and a response", path)
	}
	if g.Status == 0 {
		g.Status = 200
	}
	return g, nil
}

// ShapeDiff compares the shape of got with the documented answer want (both JSON): the
// same keys at every level, each value of the same JSON type and, for strings, the same
// format (bare 64-hex, sha256:<hex>, epoch-ms digits, other digits, "true"/"false",
// ISO-8601 minute or second precision). Lists compare their first elements; an empty list
// in got against a non-empty one in want is a difference. Keys listed in notEmulated may be
// missing from got (paths like "Images[].ImageId"). It returns one line per difference,
// sorted; none means the shapes agree.
func ShapeDiff(want, got []byte, notEmulated ...string) ([]string, error) {
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return nil, fmt.Errorf("documented answer: %w", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	skip := map[string]bool{}
	for _, p := range notEmulated {
		skip[p] = true
	}
	var out []string
	diffShape("", w, g, skip, &out)
	sort.Strings(out)
	return out, nil
}

func diffShape(path string, want, got any, skip map[string]bool, out *[]string) {
	ws, gs := kind(want), kind(got)
	if ws != gs {
		*out = append(*out, fmt.Sprintf("%s: %s, documented %s", orRoot(path), gs, ws))
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			p := join(path, k)
			gv, ok := g[k]
			if !ok {
				if !skip[p] {
					*out = append(*out, p+": missing")
				}
				continue
			}
			diffShape(p, wv, gv, skip, out)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				*out = append(*out, join(path, k)+": not in the documented answer")
			}
		}
	case []any:
		g := got.([]any)
		if len(w) == 0 {
			return
		}
		if len(g) == 0 {
			if !skip[path+"[]"] {
				*out = append(*out, path+"[]: empty, documented with elements")
			}
			return
		}
		diffShape(path+"[]", w[0], g[0], skip, out)
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

var (
	hex64    = regexp.MustCompile(`^[0-9a-f]{64}$|^[0-9a-f]{32,63}[*]{2,}$`) // bare hex (examples mask the tail)
	sha256re = regexp.MustCompile(`^sha256:[0-9a-f*]{64}$`)
	epochMS  = regexp.MustCompile(`^1[0-9]{12}$`)
	digits   = regexp.MustCompile(`^[0-9]+$`)
	isoMin   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\dZ$`)
	isoSec   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

// kind names a JSON value's type and, for strings, its format.
func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		switch {
		case hex64.MatchString(x):
			return "string(64-hex)"
		case sha256re.MatchString(x):
			return "string(sha256:hex)"
		case epochMS.MatchString(x):
			return "string(epoch-ms)"
		case digits.MatchString(x):
			return "string(digits)"
		case x == "true" || x == "false":
			return "string(bool)"
		case isoMin.MatchString(x):
			return "string(ISO-8601 minutes)"
		case isoSec.MatchString(x):
			return "string(ISO-8601 seconds)"
		case strings.Contains(x, "*"):
			return "string" // a masked example value
		}
		return "string"
	}
	return fmt.Sprintf("%T", v)
}
