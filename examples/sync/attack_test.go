package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/testutil"
)

// A -pushgateway holding a credential anywhere — user information however written, a
// query or a fragment — is refused with exit 2, and the credential is never echoed.
func TestPushgatewaySecretNeverEchoed(t *testing.T) {
	t.Parallel()
	base := []string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:2", "-plain-http"}
	for name, gw := range map[string]string{
		"userinfo":                  "http://admin:SECRET@127.0.0.1:9091",
		"userinfo without a scheme": "admin:SECRET@127.0.0.1:9091",
		"userinfo, opaque":          "http:admin:SECRET@127.0.0.1:9091",
		"userinfo, one slash":       "http:/admin:SECRET@127.0.0.1:9091",
		"userinfo, bad host":        "http://admin:SECRET@[::1",
		"password with a space":     "http://admin:SEC RET@127.0.0.1:9091",
		"token in the query":        "http://127.0.0.1:9091/?token=SECRET",
		"token in the fragment":     "https://127.0.0.1:9091/#SECRET",
		"ftp with userinfo":         "ftp://admin:SECRET@127.0.0.1:9091",
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append(base, "-pushgateway", gw), &out, &errOut)
			if code != exitUsage {
				t.Errorf("-pushgateway %q: exit %d, want 2", gw, code)
			}
			if strings.Contains(out.String()+errOut.String(), "SECRET") || strings.Contains(errOut.String(), "SEC RET") {
				t.Errorf("-pushgateway %q: stderr shows the secret: %s", gw, errOut.String())
			}
		})
	}
}

// A Pushgateway (or a proxy in front of it) answering an error with a huge body, or one
// holding newlines and terminal escapes, costs one bounded stderr line: the body is
// neither read whole into the error nor able to forge further lines.
func TestPushgatewayHostileErrorBody(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(21, 1<<10)
	if err := testutil.Push(ctx, src.Host, "a/x:1", fx.Image("x", 1)); err != nil {
		t.Fatal(err)
	}
	body := "bad\nsync: forged line\x1b[2J" + strings.Repeat("x", 4<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-pushgateway", srv.URL}, &out, &errOut)
	if code != exitFailed || !strings.Contains(errOut.String(), "pushing to -pushgateway") {
		t.Fatalf("exit %d, want 1 naming the gateway; stderr %.300q", code, errOut.String())
	}
	if n := errOut.Len(); n > 4<<10 {
		t.Errorf("stderr is %d bytes for one failed push, want a bounded line", n)
	}
	if strings.Contains(errOut.String(), "\nsync: forged line") || strings.Contains(errOut.String(), "\x1b") {
		t.Errorf("the gateway's body forged a line or a terminal escape on stderr: %.300q", errOut.String())
	}
}

// -metrics-file must not name a file the run reads (the Harbor password file, also when
// the password file is a link to it: the run would replace the secret with its metrics at
// its end), nor a directory (the rename at the end of a long run would fail).
func TestMetricsFileCollisions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "harbor.prom")
	if err := os.WriteFile(secret, []byte("SECRET\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.prom")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	asDir := filepath.Join(dir, "dir.prom")
	if err := os.Mkdir(asDir, 0o700); err != nil {
		t.Fatal(err)
	}
	base := []string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:2", "-plain-http"}
	for name, args := range map[string][]string{
		"the password file":                {"-harbor", "-harbor-password-file", secret, "-metrics-file", secret},
		"the password file, unclean":       {"-harbor", "-harbor-password-file", secret, "-metrics-file", dir + "/./harbor.prom"},
		"the password file through a link": {"-harbor", "-harbor-password-file", link, "-metrics-file", secret},
		"a directory":                      {"-metrics-file", asDir},
	} {
		t.Run(name, func(t *testing.T) {
			var errOut bytes.Buffer
			if _, err := parse(append(base, args...), &errOut); err == nil {
				t.Errorf("parse(%q) accepted the metrics file", args)
			} else if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("parse(%q) = %v: shows the secret", args, err)
			}
		})
	}
}

// A symbolic link at -metrics-file is replaced by the metrics file, never followed: what
// it pointed at is left alone (the rename replaces the link itself).
func TestMetricsFileSymlinkNotFollowed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(22, 1<<10)
	if err := testutil.Push(ctx, src.Host, "a/x:1", fx.Image("x", 1)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	elsewhere := filepath.Join(t.TempDir(), "important")
	if err := os.WriteFile(elsewhere, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "sync.prom")
	if err := os.Symlink(elsewhere, file); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-metrics-file", file}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if b, err := os.ReadFile(elsewhere); err != nil || string(b) != "keep me\n" {
		t.Errorf("the link's target now holds %q (%v): the write followed the link", b, err)
	}
	fi, err := os.Lstat(file)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 {
		t.Fatalf("-metrics-file is %v (%v), want a regular file in place of the link", fi.Mode(), err)
	}
	readTextfile(t, file)
}
