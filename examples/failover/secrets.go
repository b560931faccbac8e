package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/regdr/regdr/alicloud"
)

// Secrets come from files or the environment, never from a flag's value: a flag names the
// file (-harbor-password-file, -access-key-secret-file), or $NAME_FILE does — the
// convention of container images, so a Kubernetes Secret mounts as a file — or $NAME
// holds the value. One trailing newline (\n or \r\n) is trimmed from a file.
const (
	envHarborPassword = "HARBOR_PASSWORD"
	envAccessKeyID    = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	envAccessKey      = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	envSecurityToken  = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// errSecret: a secret could not be read; the run exits 2 (bad usage). The message names
// the file or variable, never its contents.
var errSecret = errors.New("reading a secret")

// readSecretFile reads one secret file; the error carries its path only.
func readSecretFile(what, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named below, once
		}
		return "", fmt.Errorf("%w: %s: %s: %v", errSecret, what, path, err)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("%w: %s: %s is empty", errSecret, what, path)
	}
	return s, nil
}

// secret returns the secret env names: from the file flagFile names, else from the file
// $env_FILE names, else $env. Both $env and $env_FILE set is ambiguous, so refused.
func secret(flagName, flagFile, env string) (value string, set bool, err error) {
	if flagFile != "" {
		v, err := readSecretFile("-"+flagName, flagFile)
		return v, true, err
	}
	file, plain := os.Getenv(env+"_FILE"), os.Getenv(env)
	switch {
	case file != "" && plain != "":
		return "", false, fmt.Errorf("%w: set %s or %s_FILE, not both", errSecret, env, env)
	case file != "":
		v, err := readSecretFile("$"+env+"_FILE", file)
		return v, true, err
	}
	return plain, plain != "", nil
}

// loadSecrets reads Harbor's password and, when one of its parts comes from a file, the
// Alibaba Cloud AccessKey. An AccessKey only in the environment is left to the default
// credential chain (c.cloudCreds stays nil), which also reads profiles, roles and OIDC.
func (c *config) loadSecrets() error {
	pw, _, err := secret("harbor-password-file", c.harborPasswordFile, envHarborPassword)
	if err != nil {
		return err
	}
	c.harborPassword = pw
	fromFile := c.accessKeySecretFile != ""
	for _, env := range []string{envAccessKeyID, envAccessKey, envSecurityToken} {
		fromFile = fromFile || os.Getenv(env+"_FILE") != ""
	}
	if !fromFile {
		return nil
	}
	id, _, err := secret("", "", envAccessKeyID)
	if err != nil {
		return err
	}
	key, _, err := secret("access-key-secret-file", c.accessKeySecretFile, envAccessKey)
	if err != nil {
		return err
	}
	token, _, err := secret("", "", envSecurityToken)
	if err != nil {
		return err
	}
	if id == "" || key == "" {
		return fmt.Errorf("%w: an AccessKey from a file needs both %s (or %s_FILE) and %s (or %s_FILE, -access-key-secret-file)",
			errSecret, envAccessKeyID, envAccessKeyID, envAccessKey, envAccessKey)
	}
	c.cloudCreds = &alicloud.Credentials{AccessKeyID: id, AccessKeySecret: key, SecurityToken: token}
	return nil
}
