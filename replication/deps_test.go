package replication_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestContractsAreLight: a tool that embeds the contracts (Flattener, BandwidthLimiter,
// Selector, names, rates) pays for the standard library, doublestar and regdr/clock only —
// no cloud SDK, no Harbor client, no registry client or server.
func TestContractsAreLight(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "github.com/regdr/regdr/replication").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	modules := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		modules[m] = true
	}
	for m := range modules {
		for _, heavy := range []string{"alibabacloud-go", "aliyun", "goharbor", "distribution", "go-containerregistry", "go-openapi"} {
			if strings.Contains(m, heavy) {
				t.Errorf("replication depends on module %s", m)
			}
		}
	}
	for _, want := range []string{"github.com/regdr/regdr", "github.com/bmatcuk/doublestar/v4"} {
		if !modules[want] {
			t.Errorf("go list -deps shows no %s; modules: %v", want, modules)
		}
	}
	if len(modules) > 2 {
		t.Errorf("replication depends on %d modules, want the module itself and doublestar: %v", len(modules), modules)
	}
}
