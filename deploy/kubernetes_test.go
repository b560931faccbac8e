package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests are the files under kubernetes/ this test holds, each to its own checks.
var manifests = []string{"monitor.yaml", "sync-job.yaml", "verify-cronjob.yaml"}

// notYetDefined names flags the manifests pass that the programs do not define yet at this
// commit, keyed "program [subcommand] -flag". The test fails on any other missing flag, and
// on an entry here whose flag has appeared (so the entry gets removed).
var notYetDefined = map[string]string{}

// docs is one manifest file, decoded: every object typed, strictly.
type docs struct {
	serviceAccounts []corev1.ServiceAccount
	claims          []corev1.PersistentVolumeClaim
	services        []corev1.Service
	deployments     []appsv1.Deployment
	jobs            []batchv1.Job
	cronJobs        []batchv1.CronJob
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeManifest decodes every YAML document of b into its k8s.io/api type with
// sigs.k8s.io/yaml's strict decoding: an unknown or duplicated field is an error, and so is
// a kind this test does not know.
func decodeManifest(b []byte) (docs, error) {
	var d docs
	for i, doc := range docSep.Split(string(b), -1) {
		if !hasContent(doc) {
			continue
		}
		var tm struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return d, fmt.Errorf("document %d: %w", i, err)
		}
		var err error
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 ServiceAccount":
			err = appendStrict(doc, &d.serviceAccounts)
		case "v1 PersistentVolumeClaim":
			err = appendStrict(doc, &d.claims)
		case "v1 Service":
			err = appendStrict(doc, &d.services)
		case "apps/v1 Deployment":
			err = appendStrict(doc, &d.deployments)
		case "batch/v1 Job":
			err = appendStrict(doc, &d.jobs)
		case "batch/v1 CronJob":
			err = appendStrict(doc, &d.cronJobs)
		default:
			err = fmt.Errorf("unexpected apiVersion %q kind %q", tm.APIVersion, tm.Kind)
		}
		if err != nil {
			return d, fmt.Errorf("document %d (%s %s): %w", i, tm.APIVersion, tm.Kind, err)
		}
	}
	return d, nil
}

func appendStrict[T any](doc string, to *[]T) error {
	var v T
	if err := yaml.UnmarshalStrict([]byte(doc), &v); err != nil {
		return err
	}
	*to = append(*to, v)
	return nil
}

func hasContent(doc string) bool {
	for line := range strings.Lines(doc) {
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			return true
		}
	}
	return false
}

func loadManifests(t *testing.T) map[string]docs {
	t.Helper()
	all := map[string]docs{}
	for _, f := range manifests {
		b, err := os.ReadFile(filepath.Join("kubernetes", f))
		if err != nil {
			t.Fatal(err)
		}
		d, err := decodeManifest(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all[f] = d
	}
	return all
}

func TestManifestDecodingIsStrict(t *testing.T) {
	const good = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n"
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"good", good, true},
		{"unknown field", good + "automountToken: false\n", false},
		{"unknown nested field", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  nmae: b\n", false},
		{"duplicate field", good + "metadata:\n  name: b\n", false},
		{"unknown kind", "apiVersion: v1\nkind: Pod\n", false},
		{"comments only", "# nothing\n---\n" + good, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeManifest([]byte(tc.doc))
			if (err == nil) != tc.ok {
				t.Errorf("decodeManifest(%q) = %v, want ok %v", tc.doc, err, tc.ok)
			}
		})
	}
}

func TestManifestFiles(t *testing.T) {
	entries, err := os.ReadDir("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, manifests) {
		t.Errorf("kubernetes/ holds %v; the test checks %v: add the new file's checks", got, manifests)
	}
}

// container is one container of a manifest, with the pod around it.
type container struct {
	where string
	pod   corev1.PodSpec
	c     corev1.Container
}

func containers(all map[string]docs) []container {
	var cs []container
	add := func(where string, pod corev1.PodSpec) {
		for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			cs = append(cs, container{where + "/" + c.Name, pod, c})
		}
	}
	for _, f := range manifests {
		d := all[f]
		for _, x := range d.deployments {
			add(f+": Deployment "+x.Name, x.Spec.Template.Spec)
		}
		for _, x := range d.jobs {
			add(f+": Job "+x.Name, x.Spec.Template.Spec)
		}
		for _, x := range d.cronJobs {
			add(f+": CronJob "+x.Name, x.Spec.JobTemplate.Spec.Template.Spec)
		}
	}
	return cs
}

// invocation is what a container runs: the program (an examples/ directory), its
// subcommand if any, and the flags given to it.
type invocation struct {
	program, subcommand string
	args                []string
}

func invocationOf(c corev1.Container) (invocation, error) {
	cmd := c.Command
	if len(cmd) == 0 {
		return invocation{}, errors.New("no command: the image's entrypoint is not checked")
	}
	var inv invocation
	if path.Base(cmd[0]) == "sh" {
		// /bin/sh -c SCRIPT PROGRAM, the flags in args: the script runs "$0" "$@".
		if len(cmd) != 4 || cmd[1] != "-c" || !strings.Contains(cmd[2], `"$0" "$@"`) {
			return invocation{}, fmt.Errorf(`a shell command must be [sh -c SCRIPT PROGRAM] with the script running "$0" "$@": %q`, cmd)
		}
		inv.program, inv.args = path.Base(cmd[3]), c.Args
	} else {
		inv.program, inv.args = path.Base(cmd[0]), append(slices.Clone(cmd[1:]), c.Args...)
	}
	if inv.program == "failover" {
		if len(inv.args) == 0 || strings.HasPrefix(inv.args[0], "-") {
			return invocation{}, errors.New("failover without a subcommand")
		}
		inv.subcommand, inv.args = inv.args[0], inv.args[1:]
	}
	return inv, nil
}

func (inv invocation) String() string {
	return strings.TrimSpace(inv.program + " " + inv.subcommand)
}

// flagValues returns the flags in args, name to value ("true" for a bool without one),
// walking them as the flag package does given which flags are bool. A flag neither in defs
// nor allowed is an error; so is a positional argument.
func flagValues(args []string, defs map[string]bool, allowed func(string) bool) (map[string]string, error) {
	vals := map[string]string{}
	var errs []error
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			errs = append(errs, fmt.Errorf("positional argument %q: the programs take flags only", a))
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		isBool, defined := defs[name]
		switch {
		case !defined && allowed(name):
			if !hasVal {
				errs = append(errs, fmt.Errorf("-%s is not defined yet: write it -%s=VALUE so the walk stays right", name, name))
			}
		case !defined:
			errs = append(errs, fmt.Errorf("flag provided but not defined: -%s", name))
			continue
		case !hasVal && isBool:
			val = "true"
		case !hasVal:
			if i+1 == len(args) {
				errs = append(errs, fmt.Errorf("-%s needs a value", name))
				continue
			}
			i++
			val = args[i]
		}
		if _, dup := vals[name]; dup {
			errs = append(errs, fmt.Errorf("-%s given twice", name))
		}
		vals[name] = val
	}
	return vals, errors.Join(errs...)
}

var helpFlag = regexp.MustCompile(`(?m)^  -([a-zA-Z0-9][a-zA-Z0-9-]*)( [^\t\n]*)?$`)

// helpFlags parses the flag package's PrintDefaults output: name to whether the flag is a
// bool (no value placeholder after the name).
func helpFlags(help string) map[string]bool {
	defs := map[string]bool{}
	for _, m := range helpFlag.FindAllStringSubmatch(help, -1) {
		defs[m[1]] = m[2] == ""
	}
	return defs
}

func TestHelpFlags(t *testing.T) {
	help := "Usage: x [-a A]\n\nFlags:\n  -access-key-secret-file FILE\n    \tread it\n  -yes\n    \tconfirm\n  -jobs int\n    \tn\n"
	want := map[string]bool{"access-key-secret-file": false, "yes": true, "jobs": false}
	if got := helpFlags(help); !mapsEqual(got, want) {
		t.Errorf("helpFlags = %v, want %v", got, want)
	}
	defs := want
	none := func(string) bool { return false }
	for _, tc := range []struct {
		name    string
		args    []string
		want    map[string]string
		wantErr string
	}{
		{"forms", []string{"-yes", "-jobs", "4", "--access-key-secret-file=/f"}, map[string]string{"yes": "true", "jobs": "4", "access-key-secret-file": "/f"}, ""},
		{"negative value", []string{"-jobs", "-1", "-yes"}, map[string]string{"jobs": "-1", "yes": "true"}, ""},
		{"undefined", []string{"-yes", "-metrics-addr=:9090"}, nil, "flag provided but not defined: -metrics-addr"},
		{"positional", []string{"watch"}, nil, "positional argument"},
		{"missing value", []string{"-jobs"}, nil, "needs a value"},
		{"twice", []string{"-yes", "-yes"}, nil, "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flagValues(tc.args, defs, none)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("flagValues(%q) error = %v, want %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || !mapsEqualS(got, tc.want) {
				t.Errorf("flagValues(%q) = %v, %v; want %v", tc.args, got, err, tc.want)
			}
		})
	}
}

func mapsEqual(a, b map[string]bool) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func mapsEqualS(a, b map[string]string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// buildExamples builds the programs the manifests run from the root module.
func buildExamples(t *testing.T, programs []string) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, p := range programs {
		args = append(args, "./examples/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// help runs PROGRAM [SUBCOMMAND] -h and returns what it printed (the flag package exits 0
// or 2 after -h; either is fine).
func help(t *testing.T, bin string, inv invocation) string {
	t.Helper()
	args := []string{"-h"}
	if inv.subcommand != "" {
		args = []string{inv.subcommand, "-h"}
	}
	cmd := exec.Command(filepath.Join(bin, inv.program), args...)
	cmd.Env = []string{"PATH=/nonexistent", "HOME=" + t.TempDir()}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 2) {
		t.Fatalf("%s -h: %v\n%s", inv, err, out.String())
	}
	return out.String()
}

// envFromLibraries names environment variables the containers set that the programs' help
// does not mention, and who reads them.
var envFromLibraries = map[string]string{
	"DOCKER_CONFIG": "go-containerregistry's authn.DefaultKeychain (examples/sync)",
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// TestManifestFlagsExist checks that every flag a manifest passes is defined by the program
// it runs (built from this commit), every $(VAR) in command and args is a variable the
// container defines (Kubernetes leaves an undefined reference as literal text), and every
// environment variable set is one the program documents.
func TestManifestFlagsExist(t *testing.T) {
	all := loadManifests(t)
	cs := containers(all)
	var programs []string
	for _, c := range cs {
		inv, err := invocationOf(c.c)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if _, err := os.Stat(filepath.Join("..", "examples", inv.program)); err != nil {
			t.Fatalf("%s runs %q, not a program under examples/: %v", c.where, inv.program, err)
		}
		if !slices.Contains(programs, inv.program) {
			programs = append(programs, inv.program)
		}
	}
	bin := buildExamples(t, programs)
	usedAllowance := map[string]bool{}
	for _, c := range cs {
		t.Run(c.where, func(t *testing.T) {
			inv, _ := invocationOf(c.c)
			h := help(t, bin, inv)
			defs := helpFlags(h)
			if len(defs) < 5 {
				t.Fatalf("%s -h lists only %d flags: %v\n%s", inv, len(defs), defs, h)
			}
			allowed := func(name string) bool {
				key := inv.String() + " -" + name
				_, ok := notYetDefined[key]
				if ok {
					usedAllowance[key] = true
					t.Logf("%s: -%s is not defined yet (allowed: %s)", c.where, name, notYetDefined[key])
				}
				return ok
			}
			if _, err := flagValues(inv.args, defs, allowed); err != nil {
				t.Errorf("%s runs %s with flags it does not take:\n%v", c.where, inv, err)
			}
			defined := map[string]bool{}
			for _, e := range c.c.Env {
				defined[e.Name] = true
				base := strings.TrimSuffix(e.Name, "_FILE")
				if _, ok := envFromLibraries[e.Name]; !ok && !strings.Contains(h, base) {
					t.Errorf("%s sets %s, which %s -h does not mention", c.where, e.Name, inv)
				}
			}
			for _, a := range append(slices.Clone(c.c.Command), c.c.Args...) {
				for _, m := range envRef.FindAllStringSubmatch(a, -1) {
					if !defined[m[1]] {
						t.Errorf("%s: %q refers to $(%s), which the container does not define: Kubernetes would pass it literally", c.where, a, m[1])
					}
				}
			}
		})
	}
	for key := range notYetDefined {
		prog, _, _ := strings.Cut(key, " ")
		if !slices.Contains(programs, prog) {
			t.Errorf("notYetDefined entry %q: no manifest runs %s", key, prog)
			continue
		}
		if !usedAllowance[key] {
			t.Errorf("notYetDefined entry %q: the flag is defined now (or no longer passed): remove the entry", key)
		}
	}
}

// mountOf returns where c mounts the volume backed by claim, and whether read-only.
func mountOf(pod corev1.PodSpec, c corev1.Container, claim string) (string, bool, bool) {
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claim {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name {
				return m.MountPath, m.ReadOnly || v.PersistentVolumeClaim.ReadOnly, true
			}
		}
	}
	return "", false, false
}

// claimAt returns the claim mounted in c at the directory holding file.
func claimAt(pod corev1.PodSpec, c corev1.Container, file string) (string, bool) {
	dir := path.Dir(file)
	for _, m := range c.VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName, true
			}
		}
	}
	return "", false
}

func flagsOf(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	inv, err := invocationOf(c)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, a := range inv.args {
		name, val, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !ok {
			val = "true"
		}
		vals[name] = val
	}
	return vals
}

func claimByName(t *testing.T, all map[string]docs, name string) corev1.PersistentVolumeClaim {
	t.Helper()
	for _, d := range all {
		for _, c := range d.claims {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("no PersistentVolumeClaim %q in the manifests", name)
	return corev1.PersistentVolumeClaim{}
}

func TestMonitorManifest(t *testing.T) {
	all := loadManifests(t)
	d := all["monitor.yaml"]
	if len(d.deployments) != 1 || len(d.services) != 1 || len(d.serviceAccounts) != 1 {
		t.Fatalf("monitor.yaml: %d Deployments, %d Services, %d ServiceAccounts; want one each", len(d.deployments), len(d.services), len(d.serviceAccounts))
	}
	dep := d.deployments[0]
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("replicas = %s, want exactly 1 (two monitors would apply the same switches)", deref(dep.Spec.Replicas))
	}
	if dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy = %q, want Recreate (a rolling update runs two monitors)", dep.Spec.Strategy.Type)
	}
	pod := dep.Spec.Template.Spec
	if pod.ServiceAccountName != d.serviceAccounts[0].Name {
		t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, d.serviceAccounts[0].Name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	inv, err := invocationOf(c)
	if err != nil || inv.String() != "failover watch" {
		t.Fatalf("the monitor runs %v (%v), want failover watch", inv, err)
	}
	flags := flagsOf(t, c)
	if flags["yes"] != "true" || flags["journal"] == "" {
		t.Errorf("the monitor must apply (-yes) with a -journal: %v", flags)
	}
	_, port, err := net.SplitHostPort(flags["metrics-addr"])
	if err != nil {
		t.Fatalf("-metrics-addr %q: %v", flags["metrics-addr"], err)
	}
	var metricsPort *corev1.ContainerPort
	for i, p := range c.Ports {
		if strconv.Itoa(int(p.ContainerPort)) == port {
			metricsPort = &c.Ports[i]
		}
	}
	if metricsPort == nil {
		t.Fatalf("no container port %s (-metrics-addr %s) in %v", port, flags["metrics-addr"], c.Ports)
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"livenessProbe", c.LivenessProbe, "/healthz"}, {"readinessProbe", c.ReadinessProbe, "/readyz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe on %s", pr.name, pr.path)
			continue
		}
		g := pr.probe.HTTPGet
		if g.Path != pr.path || (g.Port.String() != metricsPort.Name && g.Port.String() != port) {
			t.Errorf("%s probes %s on port %s, want %s on %s (%s)", pr.name, g.Path, g.Port.String(), pr.path, metricsPort.Name, port)
		}
	}
	svc := d.services[0]
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != metricsPort.Name {
		t.Errorf("Service ports %v, want one targeting %q", svc.Spec.Ports, metricsPort.Name)
	}
	for k, v := range svc.Spec.Selector {
		if pod := dep.Spec.Template.Labels[k]; pod != v {
			t.Errorf("Service selects %s=%s; the pod has %q", k, v, pod)
		}
	}
	journalClaim, ok := claimAt(pod, c, flags["journal"])
	if !ok {
		t.Fatalf("-journal %s is not on a PersistentVolumeClaim mount", flags["journal"])
	}
	if modes := claimByName(t, all, journalClaim).Spec.AccessModes; !slices.Equal(modes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) {
		t.Errorf("journal claim access modes %v, want [ReadWriteOnce]", modes)
	}
	if _, ro, _ := mountOf(pod, c, journalClaim); ro {
		t.Errorf("the journal is mounted read-only")
	}
	checkHardened(t, "monitor", pod, c)
	checkSecretFiles(t, "monitor", pod, c)
}

func TestSyncJobManifest(t *testing.T) {
	all := loadManifests(t)
	d := all["sync-job.yaml"]
	if len(d.jobs) != 1 {
		t.Fatalf("sync-job.yaml: %d Jobs, want 1", len(d.jobs))
	}
	job := d.jobs[0]
	if job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode = %v, want Indexed", job.Spec.CompletionMode)
	}
	pod := job.Spec.Template.Spec
	c := pod.Containers[0]
	flags := flagsOf(t, c)
	n, err := strconv.Atoi(flags["shards"])
	if err != nil || n < 2 {
		t.Fatalf("-shards %q, want N >= 2", flags["shards"])
	}
	if job.Spec.Completions == nil || *job.Spec.Completions != int32(n) || job.Spec.Parallelism == nil || *job.Spec.Parallelism != int32(n) {
		t.Errorf("completions %s, parallelism %s; want both = -shards %d", deref(job.Spec.Completions), deref(job.Spec.Parallelism), n)
	}
	if flags["shard"] != "$(JOB_COMPLETION_INDEX)" {
		t.Errorf("-shard %q, want $(JOB_COMPLETION_INDEX)", flags["shard"])
	}
	var fromAnnotation bool
	for _, e := range c.Env {
		if e.Name == "JOB_COMPLETION_INDEX" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			fromAnnotation = true
		}
	}
	if !fromAnnotation {
		t.Errorf("JOB_COMPLETION_INDEX is not defined from the job-completion-index annotation: %v", c.Env)
	}
	// A Job is gone before a scrape: its metrics must be pushed or written out.
	if flags["pushgateway"] == "" && flags["metrics-file"] == "" {
		t.Errorf("the sync exports no metrics: want -pushgateway or -metrics-file")
	}
	if pg := flags["pushgateway"]; pg != "" && !strings.HasPrefix(pg, "http://") && !strings.HasPrefix(pg, "https://") {
		t.Errorf("-pushgateway=%s: want an http(s):// URL", pg)
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q, a Job needs Never or OnFailure", pod.RestartPolicy)
	}
	checkHardened(t, "sync", pod, c)
	checkSecretFiles(t, "sync", pod, c)
}

func deref(p *int32) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(int(*p))
}

func TestVerifyCronJobManifest(t *testing.T) {
	all := loadManifests(t)
	d := all["verify-cronjob.yaml"]
	if len(d.cronJobs) != 1 {
		t.Fatalf("verify-cronjob.yaml: %d CronJobs, want 1", len(d.cronJobs))
	}
	cj := d.cronJobs[0]
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q, want Forbid (two checks would race on the report)", cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	c := pod.Containers[0]
	if flagsOf(t, c)["json"] != "true" {
		t.Errorf("verify runs without -json: the monitor reads the JSON report")
	}
	// The report lands where the monitor reads -lag-file: the same claim, the same name.
	mon := all["monitor.yaml"].deployments[0]
	mc := mon.Spec.Template.Spec.Containers[0]
	lagFile := flagsOf(t, mc)["lag-file"]
	claim, ok := claimAt(mon.Spec.Template.Spec, mc, lagFile)
	if !ok {
		t.Fatalf("the monitor's -lag-file %q is not on a PersistentVolumeClaim mount", lagFile)
	}
	if _, ro, _ := mountOf(mon.Spec.Template.Spec, mc, claim); !ro {
		t.Errorf("the monitor mounts the lag claim read-write; it only reads it")
	}
	at, ro, ok := mountOf(pod, c, claim)
	if !ok || ro {
		t.Fatalf("the CronJob does not mount claim %q read-write (at %q, read-only %v)", claim, at, ro)
	}
	want := "out=" + path.Join(at, path.Base(lagFile)) + "\n"
	if !strings.Contains(c.Command[2], want) {
		t.Errorf("the CronJob's script does not write %q:\n%s", want, c.Command[2])
	}
	if modes := claimByName(t, all, claim).Spec.AccessModes; !slices.Contains(modes, corev1.ReadWriteMany) {
		t.Errorf("lag claim access modes %v: two pods on two nodes need ReadWriteMany (see the comment)", modes)
	}
	checkHardened(t, "verify", pod, c)
	checkSecretFiles(t, "verify", pod, c)
}

// checkHardened: non-root, read-only root file system, no privilege escalation, no
// capabilities.
func checkHardened(t *testing.T, where string, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Errorf("%s: the pod is not runAsNonRoot", where)
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Errorf("%s: no container securityContext", where)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("%s: root file system not read-only", where)
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("%s: privilege escalation allowed", where)
	case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL"):
		t.Errorf("%s: capabilities not dropped", where)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted; the programs never call the Kubernetes API", where)
	}
}

// checkSecretFiles: no secret comes from an environment value; every *_FILE variable names a
// file on a mounted Secret volume.
func checkSecretFiles(t *testing.T, where string, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	secretMounts := map[string]bool{}
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				secretMounts[m.MountPath] = true
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			t.Errorf("%s: %s comes from a Secret as an environment value; mount it and use %s_FILE", where, e.Name, e.Name)
		}
		if strings.HasSuffix(e.Name, "_FILE") && !secretMounts[path.Dir(e.Value)] {
			t.Errorf("%s: %s=%s is not on a mounted Secret", where, e.Name, e.Value)
		}
		if strings.Contains(e.Name, "PASSWORD") || strings.Contains(e.Name, "SECRET") {
			if !strings.HasSuffix(e.Name, "_FILE") {
				t.Errorf("%s: %s set as a value", where, e.Name)
			}
		}
	}
	if len(c.EnvFrom) > 0 {
		t.Errorf("%s: envFrom puts whole Secrets or ConfigMaps in the environment", where)
	}
}
