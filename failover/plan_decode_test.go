package failover

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestDecodePlanRefusesNonPlans: what a plan file may hold instead of a plan is refused
// with ErrInvalid before anything else.
func TestDecodePlanRefusesNonPlans(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	plan, err := w.switcher(t).PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	good, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	noChanges := bytes.Replace(good, []byte(`"changes":[`), []byte(`"changes":[],"x":[`), 1)
	for name, in := range map[string]string{
		"empty":            "",
		"null":             "null",
		"empty object":     "{}",
		"no changes":       string(noChanges),
		"not json":         "plan",
		"array":            "[]",
		"trailing data":    string(good) + "{}",
		"unknown kind":     strings.Replace(string(good), `"kind":"failover"`, `"kind":"sideways"`, 1),
		"numeric CNAME to": strings.Replace(string(good), acrDomain, "999.1.1.1", 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if p, err := DecodePlan(strings.NewReader(in)); !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodePlan(%.40q) = %v, %v; want ErrInvalid", in, p, err)
			}
		})
	}
	if p, err := DecodePlan(bytes.NewReader(good)); err != nil || p.ID != plan.ID {
		t.Errorf("DecodePlan(good) = %v, %v", p, err)
	}
}

// FuzzDecodePlan: any bytes either decode to a plan that validates and survives a JSON
// round trip with its seal intact, or are refused with ErrInvalid; never a panic.
func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"kind":"failover","changes":[]}`))
	f.Add([]byte(`{"id":"a","kind":"failback","created_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:10:00Z",` +
		`"changes":[{"target":"t","record_id":"1","name":"@","from":{"type":"CNAME","value":"a.example.com","ttl":60},` +
		`"to":{"type":"A","value":"10.0.0.1","ttl":60},"restores":{"plan_id":"b","kind":"failover","target":"t"}}],"seal":"hmac-sha256:00"}`))
	f.Add([]byte(`{"id":"a","kind":"failover","created_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:10:00Z",` +
		`"changes":[{"target":"t","record_id":"1","name":"@","from":{"type":"A","value":"10.0.0.1","ttl":60},` +
		`"to":{"type":"CNAME","value":"a.example.com","ttl":60}}]} {}`))
	key := bytes.Repeat([]byte{1}, PlanKeySize)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePlan(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodePlan error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("a decoded plan does not validate: %v", err)
		}
		p.Seal = planMAC(key, p)
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecodePlan(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("a re-encoded plan does not decode: %v", err)
		}
		if planMAC(key, q) != p.Seal {
			t.Errorf("the seal does not survive a JSON round trip:\n%s", again)
		}
	})
}
