package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secretValue = "s3cr3t-value"

// file writes content to a new file and returns its path.
func file(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSecret: the flag's file first, then $NAME_FILE, then $NAME; trailing newlines
// trimmed; with both $NAME and $NAME_FILE set the file wins. Not parallel: it sets the
// environment.
func TestSecret(t *testing.T) {
	flagFile, envFile := file(t, "from-flag\n"), file(t, "from-env-file\r\n")
	cases := map[string]struct {
		path, envFile, env, want string
	}{
		"flag file first":            {flagFile, envFile, "from-env", "from-flag"},
		"then $NAME_FILE over $NAME": {"", envFile, "from-env", "from-env-file"},
		"then $NAME":                 {"", "", "from-env", "from-env"},
		"none":                       {"", "", "", ""},
		"every trailing newline":     {file(t, secretValue+"\r\n\n"), "", "", secretValue},
		"inner newline kept":         {file(t, "a\nb\n"), "", "", "a\nb"},
		"$NAME as is":                {"", "", " spaced\n", " spaced\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("X_SECRET_FILE", tc.envFile)
			t.Setenv("X_SECRET", tc.env)
			got, err := Secret("-x-secret-file", tc.path, "X_SECRET")
			if err != nil || got != tc.want {
				t.Errorf("Secret = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestSecretUnreadable: an unreadable file is ErrSecretFile, naming the flag or variable
// and the path once, never the contents (a directory holds none; a file made unreadable
// would be readable by root).
func TestSecretUnreadable(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	cases := map[string]struct {
		path, envFile, from, at string
	}{
		"flag, missing":           {missing, "", "-x-secret-file", missing},
		"$NAME_FILE, missing":     {"", missing, "$X_SECRET_FILE", missing},
		"flag, a directory":       {dir, "", "-x-secret-file", dir},
		"$NAME_FILE, a directory": {"", dir, "$X_SECRET_FILE", dir},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("X_SECRET_FILE", tc.envFile)
			t.Setenv("X_SECRET", secretValue)
			got, err := Secret("-x-secret-file", tc.path, "X_SECRET")
			if !errors.Is(err, ErrSecretFile) || got != "" {
				t.Fatalf("Secret = %q, %v; want ErrSecretFile", got, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.from+" "+tc.at+": ") || strings.Count(msg, tc.at) != 1 {
				t.Errorf("error %q should name %s and the path %s once", msg, tc.from, tc.at)
			}
			if strings.Contains(msg, secretValue) {
				t.Errorf("error %q holds the secret", msg)
			}
		})
	}
}

// TestStrictSecret: StrictSecret's precedence is Secret's, but $NAME and $NAME_FILE both
// set, an empty file and an unreadable one are ErrSecret; one trailing newline is trimmed.
// No error holds a secret's contents.
func TestStrictSecret(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	cases := map[string]struct {
		path, envFile, env string
		want               string
		msg                string // in the error; "" for none
	}{
		"flag file over both":      {file(t, secretValue+"\n"), file(t, "other"), "other", secretValue, ""},
		"$NAME_FILE, CRLF":         {"", file(t, secretValue+"\r\n"), "", secretValue, ""},
		"one newline only":         {"", file(t, secretValue+"\n\n"), "", secretValue + "\n", ""},
		"$NAME":                    {"", "", secretValue, secretValue, ""},
		"none":                     {"", "", "", "", ""},
		"both $NAME and NAME_FILE": {"", file(t, secretValue), secretValue, "", "set X_SECRET or X_SECRET_FILE, not both"},
		"empty file":               {file(t, "\r\n"), "", "", "", "-x-secret-file: "},
		"missing $NAME_FILE":       {"", missing, "", "", "$X_SECRET_FILE: " + missing + ": "},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("X_SECRET_FILE", tc.envFile)
			t.Setenv("X_SECRET", tc.env)
			got, err := StrictSecret("-x-secret-file", tc.path, "X_SECRET")
			if tc.msg == "" {
				if err != nil || got != tc.want {
					t.Errorf("StrictSecret = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, ErrSecret) || got != "" || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("StrictSecret = %q, %v; want ErrSecret with %q", got, err, tc.msg)
			}
			if strings.Contains(err.Error(), secretValue) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}

// TestCloudCredentials: no secret file, the default chain (nil); a secret file, a static
// AccessKey with its ID and token from the environment; no ID, an error.
func TestCloudCredentials(t *testing.T) {
	t.Setenv(EnvAccessKeyID, "LTAI-id")
	t.Setenv(EnvAccessKeyID+"_FILE", "")
	t.Setenv(EnvSecurityToken, "")
	t.Setenv(EnvSecurityToken+"_FILE", "")
	t.Setenv(EnvAccessKeySecret, secretValue)
	t.Setenv(EnvAccessKeySecret+"_FILE", "")
	if c, err := CloudCredentials(""); c != nil || err != nil {
		t.Errorf("without a file: %v, %v; want nil, nil", c, err)
	}
	c, err := CloudCredentials(file(t, "key-from-file\n"))
	if err != nil || c == nil || c.AccessKeyID != "LTAI-id" || c.AccessKeySecret != "key-from-file" || c.SecurityToken != "" {
		t.Errorf("with a file: %+v, %v", c, err)
	}
	t.Setenv(EnvAccessKeySecret+"_FILE", file(t, "key"))
	t.Setenv(EnvAccessKeyID, "")
	if c, err := CloudCredentials(""); c != nil || err == nil || !strings.Contains(err.Error(), "needs $"+EnvAccessKeyID) {
		t.Errorf("no ID: %v, %v; want an error", c, err)
	}
}
