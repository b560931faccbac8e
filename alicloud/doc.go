// Package alicloud holds what regdr's Alibaba Cloud clients — package acr and the DNS
// providers dns/alidns and dns/privatezone — share with their callers: the connection
// settings ([Config], [Credentials]) and the one typed error of the remote APIs ([Error])
// with its sentinels ([ErrNotFound], [ErrUnauthorized], [ErrThrottled], [ErrConflict],
// [ErrInvalidArgument], [ErrServer], [ErrNetwork]). It does no I/O and depends on no
// Alibaba Cloud SDK: the clients convert a Config into the SDK's configuration inside.
//
// The error type lives here, not in acr, so that a DNS user matches the same type as an
// ACR user: errors.As(err, new(*alicloud.Error)) reaches the operation, HTTP status,
// remote code and request ID of any failed call, and the DNS providers' errors also match
// the dns package's own sentinels (dns.ErrNotFound…).
//
// No secret (AccessKey secret, STS token) appears in an error, a log line or a printed or
// marshalled [Credentials].
//
// # Concurrency
//
// Config, Credentials and Error are plain values; Error's methods are safe for concurrent
// use.
//
// # Testing
//
// Point Config.Endpoint at an emulator with Insecure set: acr/acrtest for ACR,
// dns/dnstest for PrivateZone and Alidns. Config.Clock takes a clocktest.Fake so retries
// and token expiry run without sleeping.
package alicloud
