// Package testutil holds helpers for regdr's own tests: a fake clock, and (alongside) fixtures
// and fault-injecting transports. Go forbids importing it from outside this module; users
// test with the exported fakes (harbortest, acrtest, dnstest) instead.
package testutil
