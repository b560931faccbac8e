// Package privatezone implements dns.Provider over Alibaba Cloud PrivateZone (the
// pvtz 2018-01-01 OpenAPI, through github.com/alibabacloud-go/pvtz-20180101/v2) — the
// runbook's failover solution (a), and (c) when Harbor's name lives in a zone bound to the
// clients' VPC.
//
// A PrivateZone account may hold several zones with the same name, each bound to
// different VPCs — the disaster-recovery runbook's case. [New](ctx, cfg, zoneName, vpcID)
// therefore finds a zone by exact name and the VPC it is bound to (DescribeZones with
// SearchMode EXACT, then DescribeZoneInfo for the bindings); no match is dns.ErrNoZone,
// several are dns.ErrAmbiguousZone. cfg is an alicloud.Config, shared with acr: region
// (default cn-hangzhou), endpoint, credentials — nil uses the credentials-go default chain
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN, profiles, an ECS RAM role, OIDC) —, timeouts, and the
// retry policy and clock for throttling, 5xx and network failures.
//
// [Provider.Records] reads the zone's records (DescribeZoneRecords), all pages.
// [Provider.Apply] is a compare-and-swap by intent (re-read, check, write with
// UpdateZoneRecord) and keeps the record's TTL: UpdateZoneRecord resets an omitted TTL to
// 60 s, so the current one is sent back unless the change sets another. PrivateZone
// accepts the TTLs in [TTLs] only; every record and change is validated before the first
// call. [Provider.AddRecord] (AddZoneRecord) and [Provider.SetRecordStatus]
// (SetZoneRecordStatus) are the optional dns capabilities; failover does not use them.
//
// # Errors
//
// Errors wrap the dns sentinels (ErrNotFound, ErrNoZone, ErrAmbiguousZone,
// ErrRecordChanged, ErrUnauthorized, ErrThrottled, ErrInvalidRecord), so
// that code written against package dns handles them, and the alicloud sentinels
// (alicloud.ErrServer, alicloud.ErrNetwork…); they carry the remote code and request ID:
// errors.As with *alicloud.Error, the one error type of regdr's Alibaba Cloud clients,
// owned by the neutral package alicloud rather than acr. No AccessKey secret or STS token
// appears in an error or a log line.
//
// Remote codes: Zone.NotExists, Zone.Invalid.Id, Zone.Invalid.UserId and
// ZoneVpc.NotExists.VpcId are ErrNotFound (ErrNoZone while New looks the zone up);
// Record.Invalid.* are ErrInvalidRecord, except that AddRecord answered
// Record.Invalid.Conflict returns the identical record when there is one;
// Throttling.* are ErrThrottled and System.Busy a retried server error (alicloud.ErrServer);
// Forbidden.RAM, NoPermission, IllegalUser and bad AccessKeys are ErrUnauthorized.
//
// # Concurrency
//
// A Provider is safe for concurrent use; concurrent Apply calls on one record race like
// any read-then-write (see the dns package).
//
// # Testing
//
// dnstest.NewPrivateZone emulates the API on loopback, signature checks included; its
// Config(t) serves it and returns the alicloud.Config that points a provider at it, in
// one line. dnstest.NewDNSServer
// then answers DNS queries from the emulated zones, per VPC, and dnstest.TestProvider is
// the conformance suite this provider passes.
package privatezone
