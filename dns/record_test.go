package dns

import (
	"errors"
	"testing"
)

func TestValidateRecord(t *testing.T) {
	t.Parallel()
	ok := []Record{
		{Name: "@", Type: "A", Value: "10.0.0.1"},
		{Name: "www", Type: "AAAA", Value: "2001:db8::1", TTL: 600},
		{Name: "@", Type: "CNAME", Value: "a-registry.cn-hangzhou.cr.aliyuncs.com"},
		{Name: "*.img", Type: "CNAME", Value: "a.example.com.", Status: StatusDisabled},
		{Name: "_acme", Type: "TXT", Value: "hello world"},
		{Name: "mail", Type: "MX", Value: "mx.example.com", Priority: 10},
	}
	for _, r := range ok {
		if err := ValidateRecord(r); err != nil {
			t.Errorf("ValidateRecord(%v) = %v, want nil", r, err)
		}
	}
	bad := map[string]Record{
		"empty name":     {Type: "A", Value: "10.0.0.1"},
		"fqdn name":      {Name: "www.example.com.", Type: "A", Value: "10.0.0.1"},
		"bad label":      {Name: "w w", Type: "A", Value: "10.0.0.1"},
		"A with v6":      {Name: "@", Type: "A", Value: "2001:db8::1"},
		"A with name":    {Name: "@", Type: "A", Value: "example.com"},
		"AAAA with v4":   {Name: "@", Type: "AAAA", Value: "10.0.0.1"},
		"CNAME with ip":  {Name: "@", Type: "CNAME", Value: "10.0.0.1"},
		"CNAME bad host": {Name: "@", Type: "CNAME", Value: "-bad-.example.com"},
		"unknown type":   {Name: "@", Type: "XYZ", Value: "x"},
		"lower type":     {Name: "@", Type: "a", Value: "10.0.0.1"},
		"negative ttl":   {Name: "@", Type: "A", Value: "10.0.0.1", TTL: -1},
		"bad status":     {Name: "@", Type: "A", Value: "10.0.0.1", Status: "ON"},
		"empty value":    {Name: "@", Type: "TXT"},
	}
	for name, r := range bad {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := ValidateRecord(r); !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("ValidateRecord(%v) = %v, want ErrInvalidRecord", r, err)
			}
		})
	}
}

func TestSameValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, a, b string
		want      bool
	}{
		{"CNAME", "A.example.com.", "a.example.com", true},
		{"CNAME", "a.example.com", "b.example.com", false},
		{"AAAA", "2001:db8::1", "2001:DB8:0::1", true},
		{"A", "10.0.0.1", "10.0.0.2", false},
		{"TXT", "Hello", "hello", false},
	}
	for _, tt := range tests {
		if got := SameValue(tt.typ, tt.a, tt.b); got != tt.want {
			t.Errorf("SameValue(%q, %q, %q) = %v, want %v", tt.typ, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFQDNRelative(t *testing.T) {
	t.Parallel()
	if got := FQDN("@", "example.com."); got != "example.com" {
		t.Errorf("FQDN(@) = %q", got)
	}
	if got := FQDN("www", "example.com"); got != "www.example.com" {
		t.Errorf("FQDN(www) = %q", got)
	}
	for _, tt := range []struct {
		fqdn, want string
		ok         bool
	}{
		{"Example.com.", "@", true},
		{"a.b.example.com", "a.b", true},
		{"badexample.com", "", false},
		{"example.org", "", false},
	} {
		got, ok := Relative(tt.fqdn, "example.com")
		if got != tt.want || ok != tt.ok {
			t.Errorf("Relative(%q) = %q, %v, want %q, %v", tt.fqdn, got, ok, tt.want, tt.ok)
		}
	}
}
