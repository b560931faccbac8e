package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretFiles: Harbor's password and the AccessKey come from files — named by a flag
// or by $NAME_FILE — with the trailing newline trimmed; a file that cannot be read, or a
// secret given twice, is bad usage (exit 2) and nothing of a secret is printed (cli checks).
// Not parallel: it sets the environment.
func TestSecretFiles(t *testing.T) {
	w := newWorld(t)
	file := func(content string) string {
		f := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	rpo := []string{"-rpo", "1h", "-projects", "library", "-namespace", "acr-ns", "-dry-run"}
	cases := map[string]struct {
		env  map[string]string
		args []string
		want int
		msg  string // in stderr
	}{
		"no Harbor password": {want: exitFailed, msg: "replication lag"},
		"-harbor-password-file": {
			args: []string{"-harbor-password-file", file(harborSecret + "\n")}, want: exitOK},
		"HARBOR_PASSWORD_FILE, CRLF": {
			env: map[string]string{"HARBOR_PASSWORD_FILE": file(harborSecret + "\r\n")}, want: exitOK},
		"HARBOR_PASSWORD_FILE missing": {
			env: map[string]string{"HARBOR_PASSWORD_FILE": filepath.Join(t.TempDir(), "nope")}, want: exitUsage, msg: "HARBOR_PASSWORD_FILE"},
		"-harbor-password-file a directory": {
			args: []string{"-harbor-password-file", t.TempDir()}, want: exitUsage, msg: "-harbor-password-file"},
		"-harbor-password-file empty": {
			args: []string{"-harbor-password-file", file("\n")}, want: exitUsage, msg: "is empty"},
		"both HARBOR_PASSWORD and _FILE": {
			env: map[string]string{"HARBOR_PASSWORD": harborSecret, "HARBOR_PASSWORD_FILE": file(harborSecret)}, want: exitUsage, msg: "not both"},
		// The environment holds no secret: only the file's gets past the emulators.
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": {
			env:  map[string]string{"HARBOR_PASSWORD": harborSecret, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": file(keySecret + "\n")},
			want: exitOK},
		"-access-key-secret-file, ID from a file": {
			env:  map[string]string{"HARBOR_PASSWORD": harborSecret, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_ID_FILE": file(keyID + "\n")},
			args: []string{"-access-key-secret-file", file(keySecret)}, want: exitOK},
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE unreadable": {
			env:  map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE": filepath.Join(t.TempDir(), "nope")},
			want: exitUsage, msg: "ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE"},
		"AccessKey ID from a file, no secret": {
			env:  map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_ID_FILE": file(keyID)},
			want: exitUsage, msg: "needs both"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, out, errOut := cli(t, w.solutionA(append(append([]string{}, rpo...), tc.args...)...)...)
			if code != tc.want || !strings.Contains(errOut, tc.msg) {
				t.Errorf("exit %d, want %d with %q:\n%s\n%s", code, tc.want, tc.msg, out, errOut)
			}
		})
	}
}
