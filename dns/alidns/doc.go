// Package alidns implements dns.Provider over Alibaba Cloud DNS for public domains (the
// alidns 2015-01-09 OpenAPI, through github.com/alibabacloud-go/alidns-20150109/v5).
//
// [New] binds a provider to one domain (DescribeDomainInfo; unknown → dns.ErrNoZone).
// [Provider.Records] reads every record (DescribeDomainRecords) or those of one name
// (DescribeSubDomainRecords, which also answers deeper names: they are filtered out),
// all pages.
//
// [Provider.Apply] is a compare-and-swap by intent (re-read, check, write) and always
// sends the TTL back — UpdateDomainRecord resets an omitted TTL to 600 s. The API answers
// DomainRecordDuplicate when an update changes nothing; Apply counts it as success once a
// re-read shows the record is the target. Records and changes are validated before the
// first call.
//
// Errors wrap the dns sentinels (ErrNotFound, ErrNoZone, ErrUnauthorized, ErrThrottled,
// ErrInvalidRecord...) and carry the remote code and request ID (errors.As with the
// shared *aliyun.Error). Credentials, timeouts and retries on throttling come from
// [Config]; a nil Credentials uses the credentials-go default chain.
//
// # Concurrency
//
// A Provider is safe for concurrent use; concurrent Apply calls on one record race like
// any read-then-write (see the dns package).
//
// # Testing
//
// dnstest.NewAlidns emulates the API on loopback, signature checks included; point
// [Config].Endpoint at it with PlainHTTP and the dnstest AccessKey. dnstest.NewDNSServer
// then answers DNS queries for the emulated domains.
package alidns
