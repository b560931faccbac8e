package deploy_test

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerfile is what the test reads from deploy/Dockerfile.
type dockerfile struct {
	image    string   // the -t of the documented docker build command
	stages   []string // each FROM's image, in order: the last is the runtime
	goImage  string   // the build stage's golang:VERSION
	programs []string // examples/NAME built by go build
	copiedTo string   // where the runtime stage puts them
	copied   []string // the binaries copied there
}

var (
	buildCmd  = regexp.MustCompile(`^#\s+docker build -f deploy/Dockerfile -t (\S+) \.$`)
	fromLine  = regexp.MustCompile(`^FROM\s+(\S+)(\s+AS\s+\S+)?$`)
	goBuild   = regexp.MustCompile(`go build .*-o /out/\s+((?:\./examples/[a-z-]+\s*)+)$`)
	copyLine  = regexp.MustCompile(`^COPY --from=build ((?:/out/[a-z-]+ )+)(\S+)$`)
	goModLine = regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?$`)
)

// parseDockerfile reads the lines this test checks, joining continuation lines.
func parseDockerfile(text string) (dockerfile, error) {
	var d dockerfile
	var logical []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			if m := buildCmd.FindStringSubmatch(line); m != nil {
				d.image = m[1]
			}
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(strings.TrimSpace(s) + " ")
			continue
		}
		cur.WriteString(strings.TrimSpace(line))
		logical = append(logical, cur.String())
		cur.Reset()
	}
	for _, l := range logical {
		if m := fromLine.FindStringSubmatch(l); m != nil {
			d.stages = append(d.stages, m[1])
			if strings.HasPrefix(m[1], "golang:") {
				d.goImage = m[1]
			}
		}
		if m := goBuild.FindStringSubmatch(l); m != nil {
			for _, p := range strings.Fields(m[1]) {
				d.programs = append(d.programs, path.Base(p))
			}
		}
		if m := copyLine.FindStringSubmatch(l); m != nil {
			for _, f := range strings.Fields(m[1]) {
				d.copied = append(d.copied, path.Base(f))
			}
			d.copiedTo = m[2]
		}
	}
	switch {
	case d.image == "":
		return d, fmt.Errorf("no documented build command (# docker build -f deploy/Dockerfile -t IMAGE .)")
	case len(d.stages) < 2:
		return d, fmt.Errorf("%d stages, want a build stage and a runtime stage", len(d.stages))
	case d.goImage == "":
		return d, fmt.Errorf("no golang build stage")
	case len(d.programs) == 0:
		return d, fmt.Errorf("no go build -o /out/ ./examples/...")
	}
	return d, nil
}

func TestParseDockerfile(t *testing.T) {
	const good = "#   docker build -f deploy/Dockerfile -t r.example/x:v1 .\nFROM golang:1.26 AS build\n" +
		"RUN go build -o /out/ \\\n  ./examples/a ./examples/b\nFROM gcr.io/distroless/static-debian12:nonroot\n" +
		"COPY --from=build /out/a /out/b /usr/local/bin/\n"
	for _, tc := range []struct {
		name, text, wantErr string
	}{
		{"good", good, ""},
		{"no build command", strings.Replace(good, "docker build", "podman build", 1), "no documented build command"},
		{"one stage", strings.Replace(good, "FROM gcr.io", "# FROM gcr.io", 1), "stages"},
		{"no go build", strings.Replace(good, "go build", "go vet", 1), "no go build"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parseDockerfile(tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || d.image != "r.example/x:v1" || !slices.Equal(d.programs, []string{"a", "b"}) ||
				!slices.Equal(d.copied, []string{"a", "b"}) || d.copiedTo != "/usr/local/bin/" || d.goImage != "golang:1.26" {
				t.Errorf("parsed %+v, %v", d, err)
			}
		})
	}
}

// TestDockerfile: the image the manifests run is the one deploy/Dockerfile builds; it
// builds and installs on $PATH every program a manifest runs; a manifest's shell exists in
// the runtime image; the Go image is go.mod's version.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDockerfile(string(b))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	runtime := d.stages[len(d.stages)-1]
	if !strings.HasPrefix(runtime, "gcr.io/distroless/static") || !strings.Contains(runtime, "nonroot") {
		t.Errorf("runtime image %s, want distroless static, nonroot", runtime)
	}
	if !slices.Equal(d.programs, d.copied) {
		t.Errorf("built %v, copied %v: want the same programs", d.programs, d.copied)
	}
	// distroless' PATH holds /usr/local/bin; the manifests name programs without a path.
	if d.copiedTo != "/usr/local/bin/" {
		t.Errorf("programs copied to %s, want /usr/local/bin/ (on the image's $PATH)", d.copiedTo)
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := goModLine.FindSubmatch(mod)
	if m == nil {
		t.Fatal("no go line in ../go.mod")
	}
	if want := "golang:" + string(m[1]); d.goImage != want && !strings.HasPrefix(d.goImage, want+"-") && !strings.HasPrefix(d.goImage, want+".") {
		t.Errorf("build image %s, want %s (go.mod's go %s)", d.goImage, want, m[1])
	}

	for _, c := range containers(loadManifests(t)) {
		if c.c.Image != d.image {
			t.Errorf("%s runs image %q, the Dockerfile builds %q", c.where, c.c.Image, d.image)
		}
		inv, err := invocationOf(c.c)
		if err != nil {
			t.Errorf("%s: %v", c.where, err)
			continue
		}
		if !slices.Contains(d.programs, inv.program) {
			t.Errorf("%s runs %s, which the Dockerfile does not build (it builds %v)", c.where, inv.program, d.programs)
		}
		if sh := c.c.Command[0]; path.Base(sh) == "sh" {
			// distroless has no /bin/sh; its debug variants have busybox's under /busybox.
			if sh != "/busybox/sh" || !strings.Contains(runtime, ":debug") {
				t.Errorf("%s runs %s; the runtime image %s has a shell only as /busybox/sh in a :debug variant", c.where, sh, runtime)
			}
		}
	}
}
