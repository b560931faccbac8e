package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/harbor/harbortest"
)

// TestQuickstart runs the whole program: every check must hold, each runbook step must be
// reported, and no secret may appear in what it prints.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-timeout", "80s"}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		"→ [127.0.0.1] (Harbor)",
		"flatten 1 level into namespace/repository names refused before any write",
		"step 1: ACR EE namespace test-project",
		"step 2: Harbor endpoint acr-ee registered and its connection test passed",
		"step 3: replication policy test-project-to-acr",
		"verified: complete: 3/3 tags and 1/1 accessories in ACR EE, 0 extra",
		"Harbor's event trigger replicated it",
		"verified: complete: 4/4 tags and 1/1 accessories in ACR EE, 0 extra",
		"failover plan",
		"A 127.0.0.1 ttl 60 -> CNAME a-registry.cn-hangzhou.cr.aliyuncs.com ttl 60",
		"failover applied",
		"→ CNAME a-registry.cn-hangzhou.cr.aliyuncs.com → [127.0.0.2] (ACR EE)",
		"from ACR EE: sha256:",
		"failback refused so soon after failover",
		"failback applied: cross-region.registry.io A 127.0.0.1 again",
		"Harbor https://127.0.0.1:", // TLS, verified against the run's CA
		"ACR EE custom domain cross-region.registry.io",
		"DR drill passed before any outage",
		"drill PASSED",
		"the drill wrote nothing",
		"during the outage the client pushed",
		"failback refused: failover: ACR EE holds artifacts Harbor lacks — reverse lag: harbor behind",
		"missing in Harbor: test-project/team-a/api:v2 (ACR EE test-project/api:v2)",
		"reverse replication planned: ACR EE → Harbor",
		"through the inverse of the name map recorded at failover (3 repositories; test-project/api → test-project/team-a/api)",
		"name map: 3 Harbor repositories recorded for failback",
		"test-project/api:v2 → test-project/team-a/api:v2",
		"reverse lag now complete",
		"reverse lag: 0 missing, 0 stale, 0 unmapped in Harbor",
		"test-project/team-a/api:v2 from Harbor: sha256:",
		"all 32 checks held",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, secret := range []string{acrPassword, harbortest.DefaultPassword, acrtest.DefaultAccessKeySecret, dnstest.AccessKeySecret} {
		if strings.Contains(out+stderr.String(), secret) {
			t.Errorf("a secret (%d bytes) appears in the output", len(secret))
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", out)
	}
}

// TestQuickstartFlags: help, bad flags, and a canceled run that fails without a plan (-q).
func TestQuickstartFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "usage: quickstart") {
		t.Errorf("-h: exit %d, stderr %q; want 0 and the usage", code, stderr.String())
	}
	if code := run(context.Background(), []string{"-nope"}, &stdout, &stderr); code != 2 {
		t.Errorf("-nope: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
	stdout.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := run(ctx, []string{"-q"}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "FAILED") {
		t.Errorf("canceled context: exit %d, stdout %q; want 1 and FAILED", code, stdout.String())
	}
	if strings.Contains(stdout.String(), "┌") {
		t.Errorf("-q printed a plan:\n%s", stdout.String())
	}
}
