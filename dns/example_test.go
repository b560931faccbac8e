package dns_test

import (
	"fmt"

	"github.com/regdr/regdr/dns"
)

// A change is a value: it says what it expects to replace, and Check decides it against
// the record as it is now.
func ExampleChange() {
	c := dns.Change{
		Record:      dns.Record{Name: "@", Type: dns.TypeA},
		ExpectValue: "10.0.0.1",
		NewValue:    "a-registry.cn-hangzhou.cr.aliyuncs.com",
		NewType:     dns.TypeCNAME,
	}
	fmt.Println(c)
	fmt.Println(c.Validate())

	now := dns.Record{ID: "42", Name: "@", Type: dns.TypeA, Value: "10.0.0.1", TTL: 60}
	done, err := c.Check(now)
	fmt.Println(done, err, c.Target(now))

	moved := dns.Record{ID: "42", Name: "@", Type: dns.TypeA, Value: "10.9.9.9", TTL: 60}
	_, err = c.Check(moved)
	fmt.Println(err)
	// Output:
	// @ A -> CNAME: 10.0.0.1 -> a-registry.cn-hangzhou.cr.aliyuncs.com (ttl kept)
	// <nil>
	// false <nil> @ 60 CNAME a-registry.cn-hangzhou.cr.aliyuncs.com (id 42)
	// dns: record changed since it was read: @ A holds "10.9.9.9", expected "10.0.0.1"
}
