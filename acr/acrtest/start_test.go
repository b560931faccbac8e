package acrtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/clock/clocktest"
)

// TestStart: one line gives a ready client of a served emulator.
func TestStart(t *testing.T) {
	t.Parallel()
	s := acrtest.Start(t)
	c, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: s.Cloud})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.EnsureNamespace(ctx, "test-project", acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: "PRIVATE"}); err != nil {
		t.Fatalf("EnsureNamespace on the started emulator: %v", err)
	}
	if s.RegistryHost == "" || s.Namespaces(acrtest.DefaultInstanceID) == nil {
		t.Errorf("Start: registry %q, namespaces %v; want both", s.RegistryHost, s.Namespaces(acrtest.DefaultInstanceID))
	}
}

func TestOptionsRefuseInvalidValues(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]func(){
		"nil clock":    func() { acrtest.WithClock(nil) },
		"zero TTL":     func() { acrtest.WithTokenTTL(0) },
		"negative TTL": func() { acrtest.WithTokenTTL(-time.Second) },
		"no instance":  func() { acrtest.WithInstance("", "cn-hangzhou") },
		"no region":    func() { acrtest.WithInstance("cri-x", "") },
		"no secret":    func() { acrtest.WithAccessKey("LTAI-x", "") },
		"no STS token": func() { acrtest.WithSTS("STS.x", "secret", "") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic, want one", name)
				}
			}()
			opt()
		})
	}
	acrtest.New(acrtest.WithClock(clocktest.NewFake(time.Time{})), acrtest.WithTokenTTL(time.Minute)) // valid values pass
}
