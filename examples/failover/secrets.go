package main

import (
	"fmt"
	"os"

	"github.com/regdr/regdr/alicloud"
	excli "github.com/regdr/regdr/examples/internal/cli"
)

// Secrets come from files or the environment, never from a flag's value: a flag names the
// file (-harbor-password-file, -access-key-secret-file), or $NAME_FILE does, or $NAME
// holds the value; read by excli.StrictSecret, so one trailing newline (\n or \r\n) is
// trimmed, an empty file and both $NAME and $NAME_FILE are refused, and a failure exits 2
// (bad usage) naming the file or variable, never its contents.
const envHarborPassword = "HARBOR_PASSWORD"

// loadSecrets reads Harbor's password and, when one of its parts comes from a file, the
// Alibaba Cloud AccessKey. An AccessKey only in the environment is left to the default
// credential chain (c.cloudCreds stays nil), which also reads profiles, roles and OIDC.
func (c *config) loadSecrets() error {
	pw, err := excli.StrictSecret("-harbor-password-file", c.harborPasswordFile, envHarborPassword)
	if err != nil {
		return err
	}
	c.harborPassword = pw
	if c.drill || c.reverseCmd {
		if c.registryPassword, err = excli.StrictSecret("-registry-password-file", c.registryPasswordFile, envACRPassword); err != nil {
			return err
		}
		if c.registryUser != "" && c.registryPassword == "" {
			return fmt.Errorf("%w: registry user %q needs -registry-password-file, $%s_FILE or $%s", excli.ErrSecret, c.registryUser, envACRPassword, envACRPassword)
		}
	}
	fromFile := c.accessKeySecretFile != ""
	for _, env := range []string{excli.EnvAccessKeyID, excli.EnvAccessKeySecret, excli.EnvSecurityToken} {
		fromFile = fromFile || os.Getenv(env+"_FILE") != ""
	}
	if !fromFile {
		return nil
	}
	id, err := excli.StrictSecret("", "", excli.EnvAccessKeyID)
	if err != nil {
		return err
	}
	key, err := excli.StrictSecret("-access-key-secret-file", c.accessKeySecretFile, excli.EnvAccessKeySecret)
	if err != nil {
		return err
	}
	token, err := excli.StrictSecret("", "", excli.EnvSecurityToken)
	if err != nil {
		return err
	}
	if id == "" || key == "" {
		return fmt.Errorf("%w: an AccessKey from a file needs both %s (or %s_FILE) and %s (or %s_FILE, -access-key-secret-file)",
			excli.ErrSecret, excli.EnvAccessKeyID, excli.EnvAccessKeyID, excli.EnvAccessKeySecret, excli.EnvAccessKeySecret)
	}
	c.cloudCreds = &alicloud.Credentials{AccessKeyID: id, AccessKeySecret: key, SecurityToken: token}
	return nil
}
