package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
)

// exitStatus tells a refusal by a safety check (3) from a failure (1).
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"ok", nil, exitOK},
		{"no -yes", fmt.Errorf("%w: the plan has 4 actions", errRefused), exitRefused},
		{"invalid setup", fmt.Errorf("planning: %w", managed.ErrSetup), exitRefused},
		{"namespace not to be fixed", fmt.Errorf("planning: %w", managed.ErrNamespace), exitRefused},
		{"endpoint of another type", fmt.Errorf("planning: %w", managed.ErrEndpointType), exitRefused},
		{"execution failed, cause a wrong type", fmt.Errorf("applying: %w", errors.Join(managed.ErrExecution, managed.ErrEndpointType)), exitFailed},
		{"connection test failed", fmt.Errorf("planning: %w", managed.ErrEndpointCredentials), exitFailed},
		{"incomplete", errIncomplete, exitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitStatus(tc.err); got != tc.want {
				t.Errorf("exitStatus(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// Every secret can come from a file, named by a flag or by $*_FILE, its trailing newline
// trimmed; an unreadable file is bad usage (exit 2) and nothing of it is printed.
func TestSecretFiles(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hp, ap, kp := file("harbor", harborPassword+"\n"), file("acr", acrPassword+"\r\n"), file("ak", akSecret+"\n")
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"flags", nil, e.args("-dry-run", "-harbor-password-file", hp, "-acr-password-file", ap, "-access-key-secret-file", kp), exitOK},
		{"environment", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ACR_PASSWORD_FILE": ap, "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": kp}, e.args("-dry-run"), exitOK},
		{"missing Harbor file", map[string]string{"ACR_PASSWORD_FILE": ap, "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": kp}, e.args("-dry-run", "-harbor-password-file", missing), exitUsage},
		{"directory as ACR file", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ACR_PASSWORD_FILE": dir, "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": kp}, e.args("-dry-run"), exitUsage},
		{"missing AccessKey file", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ACR_PASSWORD_FILE": ap}, e.args("-dry-run", "-access-key-secret-file", missing), exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{envHarborPassword, envACRPassword, "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
				"HARBOR_PASSWORD_FILE", "ACR_PASSWORD_FILE", "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE"} {
				t.Setenv(k, tc.env[k]) // only files hold the secrets
			}
			r := runT(t, tc.args, hooks{}) // runT fails the test if a secret is printed
			if r.code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.want, r.out, r.errOut)
			}
			if tc.want == exitUsage && !strings.Contains(r.errOut, "unreadable secret file") {
				t.Errorf("stderr %q does not say the secret file is unreadable", r.errOut)
			}
		})
	}
}

// With -log-format json every stderr line is a JSON object (progress and library records
// included), and with -json stdout is one JSON document.
func TestLogFormatJSON(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"refused without -yes", nil, exitRefused},
		{"applied", []string{"-yes"}, exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, e.args(append([]string{"-json", "-log-format", "json", "-log-level", "debug"}, tc.args...)...), hooks{})
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.want, r.errOut)
			}
			lines := strings.Split(strings.TrimSuffix(r.errOut, "\n"), "\n")
			if len(lines) < 2 {
				t.Errorf("stderr has %d lines, want progress:\n%s", len(lines), r.errOut)
			}
			for _, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
					t.Errorf("stderr line is not a JSON log record: %q (%v)", l, err)
				}
			}
			dec := json.NewDecoder(strings.NewReader(r.out))
			var rep report
			if err := dec.Decode(&rep); err != nil || dec.More() || rep.OK != (tc.want == exitOK) {
				t.Errorf("stdout is not one JSON report (%v, ok %v):\n%s", err, rep.OK, r.out)
			}
		})
	}
}
