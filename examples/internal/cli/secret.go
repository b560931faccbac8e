package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Secrets come from files or the environment, never from a flag's value: a flag names the
// file (say -harbor-password-file), or $NAME_FILE does — the convention of container
// images, so a Kubernetes Secret mounts as a file — or $NAME holds the value. Errors name
// the flag, variable or file, never a secret's contents.

// ErrSecretFile: a secret file named by a -*-file flag or a $*_FILE variable cannot be read.
var ErrSecretFile = errors.New("unreadable secret file")

// ErrSecret: StrictSecret could not read a secret: its file cannot be read or is empty, or
// both $NAME and $NAME_FILE are set.
var ErrSecret = errors.New("reading a secret")

// Secret reads a secret: from the file at path (the value of the flag flagName, such as
// "-harbor-password-file"), else from the file $env_FILE names, else from $env. Trailing
// newlines (\n or \r\n) are trimmed from a file. With $env and $env_FILE both set the
// file wins.
func Secret(flagName, path, env string) (string, error) {
	from := flagName
	if path == "" {
		path, from = os.Getenv(env+"_FILE"), "$"+env+"_FILE"
	}
	if path == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s %s: %v", ErrSecretFile, from, path, unwrapPath(err))
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// StrictSecret reads a secret as Secret does, more strictly: $env and $env_FILE both set
// is ambiguous, so refused; one trailing newline (\n or \r\n) is trimmed from a file and
// an empty file is refused. Every error wraps ErrSecret.
func StrictSecret(flagName, path, env string) (string, error) {
	if path != "" {
		return readStrict(flagName, path)
	}
	file, plain := os.Getenv(env+"_FILE"), os.Getenv(env)
	switch {
	case file != "" && plain != "":
		return "", fmt.Errorf("%w: set %s or %s_FILE, not both", ErrSecret, env, env)
	case file != "":
		return readStrict("$"+env+"_FILE", file)
	}
	return plain, nil
}

// readStrict reads one secret file for StrictSecret; the error carries its path only.
func readStrict(from, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %s: %v", ErrSecret, from, path, unwrapPath(err))
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("%w: %s: %s is empty", ErrSecret, from, path)
	}
	return s, nil
}

// unwrapPath drops an *os.PathError's own naming of the path, which the caller names once.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
