//go:build regdrdeps

// Package deps pins the modules the project uses while its packages are being written.
package deps

import (
	_ "github.com/alibabacloud-go/alidns-20150109/v5/client"
	_ "github.com/alibabacloud-go/cr-20181201/v2/client"
	_ "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	_ "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	_ "github.com/alibabacloud-go/tea/tea"
	_ "github.com/aliyun/credentials-go/credentials"
	_ "github.com/bmatcuk/doublestar/v4"
	_ "github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	_ "github.com/goharbor/go-client/pkg/harbor"
	_ "github.com/goharbor/go-client/pkg/sdk/v2.0/client"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/go-containerregistry/pkg/crane"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/random"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/miekg/dns"
	_ "github.com/sirupsen/logrus"
	_ "github.com/vbauerster/mpb/v8"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/time/rate"
)
