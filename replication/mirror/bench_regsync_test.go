package mirror_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regdr/regdr/internal/redact"
)

// regsyncCopier returns a copier that runs regsync — the fastest peer measured on the
// issue's workloads — when REGDR_BENCH_REGSYNC names its binary, built with
//
//	GOBIN=$PWD/bin go install github.com/regclient/regclient/cmd/regsync@v0.11.7
//
// and false when it is unset (the benchmarks then compare with crane and MultiWrite only).
// Each run writes a configuration with one "repository" sync per source repository,
// "parallel" and each registry's "reqConcurrent" at benchJobs (the concurrency every
// contender gets; regsync's own default is 3 requests per registry), TLS off (plain HTTP on
// loopback), no Docker configuration, and runs "regsync once". regsync runs as its own
// process: its CPU and the registries' (in the benchmark's process) share the machine as
// regdr's and the registries' do. Unless referrers is set it copies no referrers (its
// default); it verifies nothing after the copy, where regdr does: the comparison does not
// favour regdr.
func regsyncCopier(b *testing.B, referrers bool) (copier, bool) {
	bin := os.Getenv("REGDR_BENCH_REGSYNC")
	if bin == "" {
		return nil, false
	}
	if _, err := exec.LookPath(bin); err != nil {
		b.Fatalf("REGDR_BENCH_REGSYNC: %v", err)
	}
	dir := b.TempDir()
	return func(ctx context.Context, e *benchEnv, dst string) error {
		var repos []string
		for _, ref := range e.refs {
			repo, _, _ := strings.Cut(ref, ":")
			repos = append(repos, repo)
		}
		slices.Sort(repos)
		repos = slices.Compact(repos)
		var c strings.Builder
		fmt.Fprintf(&c, "version: 1\ncreds:\n")
		for _, host := range []string{e.src.Host, dst} {
			fmt.Fprintf(&c, "  - registry: %s\n    tls: disabled\n    reqConcurrent: %d\n", host, benchJobs)
		}
		fmt.Fprintf(&c, "defaults:\n  parallel: %d\n  skipDockerConfig: true\n  referrers: %v\nsync:\n", benchJobs, referrers)
		for _, repo := range repos {
			fmt.Fprintf(&c, "  - source: %s/%s\n    target: %s/%s\n    type: repository\n", e.src.Host, repo, dst, repo)
		}
		cfg := filepath.Join(dir, "regsync.yml")
		if err := os.WriteFile(cfg, []byte(c.String()), 0o600); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "once", "-c", cfg, "-v", "warn")
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("regsync: %w: %s", err, redact.Message(string(out), 2048))
		}
		return nil
	}, true
}
