// Package failover moves registry clients from Harbor (the primary) to Alibaba Cloud
// Container Registry Enterprise Edition (the secondary) by changing DNS, and back — the
// runbook's disaster-recovery step — the way trusted failover systems do it:
//
//   - Probes (Route 53-style health checks): GET <base>/v2/ from one or more vantage
//     points; 200 or a 401 challenge is up. A [HealthTracker] changes an endpoint's health
//     only after [HealthPolicy.Threshold] consecutive results (3 by default), agreed by a
//     quorum of vantage points.
//
// # Concurrency
//
// Probers, checkers and trackers are safe for concurrent use.
//
// # Testing
//
// Time comes from a [Clock]; tests inject a fake one and never sleep.
package failover
