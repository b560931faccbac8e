package replication_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/regdr/regdr/replication"
)

// The runbook's "Flatten 1 level": the Harbor project is replaced by the ACR EE namespace.
func ExampleHarborFlatten() {
	f := replication.HarborFlatten("test-project", 1)
	for _, repo := range []string{"library/nginx", "library/tools/curl"} {
		dst, err := f.Flatten(repo)
		fmt.Println(repo, "→", dst, err)
	}
	// Output:
	// library/nginx → test-project/nginx <nil>
	// library/tools/curl → test-project/tools/curl <nil>
}

// MapNames finds every name the destination would refuse, and every collision, before a
// copy starts. ACR Enterprise Edition takes multi-tier names (dr/tools/curl); Personal
// Edition takes namespace/repository only.
func ExampleMapNames() {
	repos := []string{"library/nginx", "team-a/nginx", "library/tools/curl"}
	_, err := replication.MapNames(replication.HarborFlatten("dr", 1), repos, replication.ValidateACRName)
	fmt.Println(errors.Is(err, replication.ErrCollision), errors.Is(err, replication.ErrInvalidName))
	fmt.Println(err)
	personal := replication.ACRNames{MaxDepth: 2}
	_, err = replication.MapNames(replication.HarborFlatten("dr", 1), repos[2:], personal.Validate)
	fmt.Println(err)
	// Output:
	// true false
	// destination repository collision: "library/nginx", "team-a/nginx" all map to "dr/nginx"
	// mapping "library/tools/curl" to "dr/tools/curl": invalid destination repository name: "dr/tools/curl" has 3 path components; this ACR edition accepts at most 2
}

// One limiter is one budget: every stream that holds it shares the rate.
func ExampleNewBandwidthLimiter() {
	rate, _ := replication.ParseRate("20MiB/s")
	l := replication.NewBandwidthLimiter(rate)
	r := replication.NewReader(context.Background(), bytes.NewReader([]byte("layer bytes")), l)
	b, _ := io.ReadAll(r)
	fmt.Println(string(b), replication.FormatRate(rate))
	fmt.Println("Harbor speed for the same cap:", replication.BytesPerSecondToSpeed(rate), "kbit/s per blob stream")
	// Output:
	// layer bytes 20.0 MiB/s
	// Harbor speed for the same cap: 163840 kbit/s per blob stream
}

// Filters follow Harbor: globs where `*` stops at `/`, matches/excludes, labels all required.
func ExampleNewRules() {
	s, err := replication.NewRules(
		replication.Filter{Kind: replication.FilterName, Pattern: "library/**"},
		replication.Filter{Kind: replication.FilterTag, Pattern: "v*", Decoration: replication.Matches},
		replication.Filter{Kind: replication.FilterLabel, Labels: []string{"dr"}},
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Match("library/a/nginx", []string{"v1", "latest"}, []string{"dr"}))
	fmt.Println(s.FilterTags([]string{"v1", "latest"}))
	fmt.Println(s.Match("team/nginx", []string{"v1"}, []string{"dr"}))

	_, err = replication.NewRules(replication.Filter{Kind: replication.FilterName, Pattern: "library/[a-"})
	fmt.Println(errors.Is(err, replication.ErrInvalidPattern))
	// Output:
	// true
	// [v1]
	// false
	// true
}
