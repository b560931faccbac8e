package reverse_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/replication/reverse"
)

func containsSecret(s string) bool {
	return strings.Contains(s, harborPassword) || strings.Contains(s, acrPassword)
}

// TestNoSecrets: no password appears in a plan, a result or an error, printed in any
// way or as JSON — a plan with changes, refusals, an apply, and a failed apply.
func TestNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.outage(t, "dr-ns/nginx:hotfix")
	e.outage(t, "dr-ns/renamed:1")
	cfg := e.config(t, setup(nil))
	var seen []any
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, plan, plan.Err())
	_, err = plan.Apply(c, cfg)
	seen = append(seen, err)

	cfg.Inverse = map[string]string{"dr-ns/nginx": "library/nginx", "dr-ns/renamed": "library/renamed"}
	plan, err = reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A wrong Harbor password: the apply fails, and says so without either password.
	bad := cfg
	bad.Harbor.Auth = e.acrAuth()
	res, err := plan.Apply(c, bad)
	if err == nil {
		t.Fatal("Apply with a wrong Harbor login succeeded")
	}
	seen = append(seen, plan, res, err, cfg.ACR, cfg.Harbor)
	res, err = plan.Apply(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, res)
	for i, v := range seen {
		if v == nil || v == error(nil) {
			continue
		}
		b, _ := json.Marshal(v)
		for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(b)} {
			if containsSecret(s) {
				t.Errorf("value %d (%T) shows a secret: %s", i, v, s)
			}
		}
	}
}

// TestJSON: a plan and a result are snake_case JSON at every depth, and a plan read back
// from JSON applies (its refusals and its inverse survive the round trip).
func TestJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.outage(t, "dr-ns/nginx:hotfix")
	e.outage(t, "dr-ns/renamed:1")
	cfg := e.config(t, setup(nil))
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	jsontest.SnakeCase(t, plan, ".inverse", ".sync.manifests")
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var back reverse.Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(back.Err(), reverse.ErrUnmapped) || back.String() != plan.String() {
		t.Errorf("plan read back from JSON:\n%s\nwant:\n%s", &back, plan)
	}

	cfg.Inverse = map[string]string{"dr-ns/nginx": "library/nginx", "dr-ns/renamed": "library/renamed"}
	plan, err = reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = json.Marshal(plan); err != nil {
		t.Fatal(err)
	}
	back = reverse.Plan{}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	res, err := back.Apply(c, cfg)
	if err != nil || res.Copied() != 2 {
		t.Fatalf("applying a plan read back from JSON = %v, %v; want 2 copied", res, err)
	}
	jsontest.SnakeCase(t, res)
}
