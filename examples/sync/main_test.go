package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// TestMain points the Docker config at an empty directory: no credentials of the machine
// running the tests are read.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sync-docker-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("DOCKER_CONFIG", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, nil)
	fx := testutil.NewFixture(7, 1<<10)
	for ref, img := range map[string]any{
		"library/app/nginx:v1": fx.Image("n1", 1, 2),
		"library/app/nginx:v2": fx.Image("n2", 1, 3),
		"library/redis:v1":     fx.Index("r", []string{"amd64", "arm64"}, 1),
		"library/redis:dev":    fx.Image("rd", 4),
		"other/x:v1":           fx.Image("x", 5),
	} {
		if err := testutil.Push(ctx, src.Host, ref, img); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-namespace", "acr-ns", "-flatten", "-1",
		"-repos", "library/**", "-tags", "v*", "-jobs", "3", "-bandwidth", "64MiB/s", "-referrers", "new"}

	var out, errOut bytes.Buffer
	if code := run(ctx, append(args, "-dry-run", "-json"), &out, &errOut); code != 0 {
		t.Fatalf("dry run exit %d: %s", code, errOut.String())
	}
	var plan mirror.Plan
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil {
		t.Fatalf("dry run output is not a plan: %v\n%s", err, out.String())
	}
	jsontest.SnakeCase(t, json.RawMessage(out.Bytes()), ".manifests")
	var got []string
	for _, it := range plan.Items {
		got = append(got, fmt.Sprintf("%s %s", it.Action, it.Ref()))
	}
	want := "copy acr-ns/nginx:v1,copy acr-ns/nginx:v2,copy acr-ns/redis:v1"
	if strings.Join(got, ",") != want {
		t.Fatalf("dry-run plan = %v, want %s", got, want)
	}

	out.Reset()
	errOut.Reset()
	if code := run(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("sync exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "3 copied") || !strings.Contains(errOut.String(), "copied   acr-ns/redis:v1") {
		t.Errorf("output:\n%s\nprogress:\n%s", out.String(), errOut.String())
	}

	out.Reset()
	if code := run(ctx, append(args, "-json"), &out, &errOut); code != 0 {
		t.Fatalf("re-sync exit %d", code)
	}
	var rep mirror.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Skipped != 3 || rep.BytesUploaded != 0 {
		t.Errorf("re-sync report = %+v, %v", rep, err)
	}
	jsontest.SnakeCase(t, json.RawMessage(out.Bytes()))

	for _, bad := range [][]string{{}, {"-src", "a"}, {"-src", "a", "-dst", "b", "-bandwidth", "fast"}, {"-src", "a", "-dst", "b", "-repos", "["}, {"-src", "a", "-dst", "b", "-referrers", "some"}} {
		if code := run(ctx, bad, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", bad, code)
		}
	}
}

func TestRunFailsWhenNothingVerified(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(8, 1<<10)
	if err := testutil.Push(ctx, src.Host, "a/b:v1", fx.Image("new", 1)); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Push(ctx, dst.Host, "a/b:v1", fx.Image("old", 2)); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"-src", "http://" + src.Host, "-dst", "http://" + dst.Host}, &out, &errOut); code != exitRefused {
		t.Errorf("sync over a conflict exit %d, want 3 (refused by a safety check)\n%s", code, errOut.String())
	}
	if code := run(ctx, []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-override"}, &out, &errOut); code != 0 {
		t.Errorf("sync -override exit %d, want 0\n%s", code, errOut.String())
	}
}

// -h prints the flags and is not an error; a bad flag is (exit 2).
func TestHelpAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "-bandwidth") || !strings.Contains(errOut.String(), "Usage: sync -src") {
		t.Errorf("-h: exit %d, stderr %q; want 0 and the flags", code, errOut.String())
	}
	if code := run(context.Background(), []string{"-nope"}, &out, &errOut); code != 2 {
		t.Errorf("-nope: exit %d, want 2", code)
	}
}

// With -harbor the source is listed through Harbor's API, as a real Harbor requires: its
// registry tokens never grant the catalog, so the catalog listing is refused.
func TestRunHarborSource(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", harbortest.DefaultAdmin)
	t.Setenv("HARBOR_PASSWORD", harbortest.DefaultPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hb := harbortest.New(harbortest.WithProject("test-project", false))
	hs := httptest.NewServer(spectest.Handler(t, hb)) // every API exchange held to Harbor's swagger
	t.Cleanup(func() { hs.Close(); hb.Close() })
	src := strings.TrimPrefix(hs.URL, "http://")
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, nil)
	fx := testutil.NewFixture(8, 1<<10)
	admin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	for ref, img := range map[string]any{
		"test-project/nginx:1.25": fx.Image("n", 1, 2),
		"test-project/redis:7":    fx.Index("r", []string{"amd64", "arm64"}, 1),
		"library/other:1":         fx.Image("o", 3),
	} {
		if err := testutil.PushAuth(ctx, src, ref, img, admin); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	args := []string{"-src", src, "-dst", dst.Host, "-plain-http", "-namespace", "acr-ns", "-flatten", "1"}
	if code := run(ctx, args, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "401") || !strings.Contains(errOut.String(), "Source") {
		t.Errorf("listing Harbor through the registry catalog: exit %d, want a 401 (Harbor's tokens do not grant it):\n%s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, append(args, "-harbor", "-projects", "test-project"), &out, &errOut); code != 0 {
		t.Fatalf("-harbor: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, ref := range []string{"acr-ns/nginx:1.25", "acr-ns/redis:7"} {
		if _, err := remote.Head(mustRef(t, dst.Host+"/"+ref)); err != nil {
			t.Errorf("%s not at the destination: %v", ref, err)
		}
	}
	if _, err := remote.Head(mustRef(t, dst.Host+"/acr-ns/other:1")); err == nil {
		t.Errorf("library/other was copied though -projects names test-project only")
	}
	if strings.Contains(out.String()+errOut.String(), harbortest.DefaultPassword) {
		t.Errorf("the Harbor password appears in the output")
	}
	os.Unsetenv("HARBOR_PASSWORD")
	if code := run(ctx, append(args, "-harbor"), &out, &errOut); code != 2 {
		t.Errorf("-harbor without $HARBOR_PASSWORD: exit %d, want 2", code)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
