package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSecret writes content to a file of dir and returns its path.
func writeSecret(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every secret can come from a file, named by a flag or by $*_FILE, its trailing newline
// trimmed; an unreadable file is bad usage (exit 2) and nothing of it is printed.
func TestSecretFiles(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	dir := t.TempDir()
	hp := writeSecret(t, dir, "harbor", harborPassword+"\n")
	ap := writeSecret(t, dir, "acr", acrPassword+"\r\n")
	kp := writeSecret(t, dir, "ak", akSecret+"\n")
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"openapi, flags", nil, w.openAPIArgs("-harbor-password-file", hp, "-access-key-secret-file", kp), exitOK},
		{"openapi, environment", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": kp}, w.openAPIArgs(), exitOK},
		{"registry, flags", nil, w.registryArgs("-harbor-password-file", hp, "-registry-password-file", ap), exitOK},
		{"registry, environment", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ACR_PASSWORD_FILE": ap}, w.registryArgs(), exitOK},
		{"missing harbor file", nil, w.openAPIArgs("-harbor-password-file", missing, "-access-key-secret-file", kp), exitUsage},
		{"directory as ACR file", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ACR_PASSWORD_FILE": dir}, w.registryArgs(), exitUsage},
		{"missing AccessKey file", map[string]string{"HARBOR_PASSWORD_FILE": hp, "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": missing}, w.openAPIArgs(), exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Only files hold the secrets.
			for _, k := range []string{envHarborPassword, envACRPassword, "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
				"HARBOR_PASSWORD_FILE", "ACR_PASSWORD_FILE", "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE"} {
				t.Setenv(k, tc.env[k])
			}
			r := runT(t, nil, tc.args...) // runT fails the test if a secret is printed
			if r.code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.want, r.stdout, r.stderr)
			}
			if tc.want == exitUsage && !strings.Contains(r.stderr, "unreadable secret file") {
				t.Errorf("stderr %q does not say the secret file is unreadable", r.stderr)
			}
		})
	}
}

// With -log-format json every stderr line is a JSON object, and with -json stdout is one
// JSON document: on lag (exit 3) and on an error (exit 1).
func TestLogFormatJSON(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "")
	for _, tc := range []struct {
		name     string
		password string
		want     int
	}{
		{"lag", harborPassword, exitRefused},
		{"refused credentials", "wrong", exitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envHarborPassword, tc.password)
			r := runT(t, nil, w.openAPIArgs("-json", "-log-format", "json", "-log-level", "debug")...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.want, r.stderr)
			}
			if r.stderr == "" {
				t.Fatal("stderr is empty: no debug records")
			}
			for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil {
					t.Errorf("stderr line is not a JSON log record: %q (%v)", l, err)
				}
			}
			if tc.want == exitFailed {
				return
			}
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil || dec.More() {
				t.Errorf("stdout is not one JSON document (%v):\n%s", err, r.stdout)
			}
		})
	}
}
