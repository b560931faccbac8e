package cli

import (
	"fmt"
	"os"

	"github.com/regdr/regdr/alicloud"
)

// Alibaba Cloud AccessKey variables: with a secret file (-access-key-secret-file or
// $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE) the AccessKey is static, its ID from
// $ALIBABA_CLOUD_ACCESS_KEY_ID(_FILE) and an STS token from
// $ALIBABA_CLOUD_SECURITY_TOKEN(_FILE); without one, the default credential chain.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// CloudCredentials is the static AccessKey read with Secret, its secret from the file
// secretFile (the value of -access-key-secret-file) or $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE;
// nil, for the default credential chain, when neither names a file.
func CloudCredentials(secretFile string) (*alicloud.Credentials, error) {
	if secretFile == "" && os.Getenv(EnvAccessKeySecret+"_FILE") == "" {
		return nil, nil
	}
	sec, err := Secret("-access-key-secret-file", secretFile, EnvAccessKeySecret)
	if err != nil {
		return nil, err
	}
	id, err := Secret("", "", EnvAccessKeyID)
	if err != nil {
		return nil, err
	}
	tok, err := Secret("", "", EnvSecurityToken)
	if err != nil {
		return nil, err
	}
	if id == "" || sec == "" {
		return nil, fmt.Errorf("an AccessKey secret file needs $%s (or $%s_FILE) and a non-empty secret", EnvAccessKeyID, EnvAccessKeyID)
	}
	return &alicloud.Credentials{AccessKeyID: id, AccessKeySecret: sec, SecurityToken: tok}, nil
}
