package redact

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestKnown(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte("admin:p@ss/word"))
	for _, tc := range []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"none", "denied", nil, "denied"},
		{"empty secret ignored", "denied", []string{""}, "denied"},
		{"password", "denied for p@ss/word here", []string{"p@ss/word"}, "denied for [REDACTED] here"},
		{"query escaped", "denied ?pw=p%40ss%2Fword", []string{"p@ss/word"}, "denied ?pw=[REDACTED]"},
		{"path escaped", "denied /p@ss%2Fword", []string{"p@ss/word"}, "denied /[REDACTED]"},
		{"longest first", "auth Basic " + basic, Basic("admin", "p@ss/word"), "auth Basic [REDACTED]"},
		{"twice", "tok tok", []string{"tok"}, "[REDACTED] [REDACTED]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Known(tc.in, tc.secrets...); got != tc.want {
				t.Errorf("Known(%q, %q) = %q, want %q", tc.in, tc.secrets, got, tc.want)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte("admin:S3cret:x"))
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"bearer", "Bearer abc.def", []string{"Bearer abc.def", "abc.def"}},
		{"basic", "Basic " + basic, []string{"Basic " + basic, basic, "admin:S3cret:x", "S3cret:x"}},
		{"basic not base64", "Basic ***", []string{"Basic ***", "***"}},
		{"no scheme", "tok", []string{"tok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Authorization(tc.in)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Authorization(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		max      int
		secrets  []string
		want     string
	}{
		{"plain", "blob unknown to registry", 100, nil, "blob unknown to registry"},
		{"known secret", "denied for hunter2 (and other-secret)", 100, []string{"hunter2"}, "[REDACTED]"},
		{"known secret query-escaped", "denied ?p=a%2Fb", 100, []string{"a/b"}, "[REDACTED]"},
		{"bearer pattern", "auth Bearer eyJ.abc.def", 100, nil, "[REDACTED]"},
		{"password assignment", `denied {"password":"x"}`, 100, nil, "[REDACTED]"},
		{"bearer challenge kept", `auth required: Bearer realm="https://h/token"`, 100, nil, `auth required: Bearer realm="https://h/token"`},
		{"control characters", "line1\r\nline2\x00\x1b[31mred\t end", 100, nil, "line1 line2 [31mred end"},
		{"invalid utf-8", "a\xffb", 100, nil, "a b"},
		{"cut", "abcdefghij", 8, nil, "abcde…"},
		{"cut on a rune boundary", "ééééé", 8, nil, "éé…"},
		// Found before the cut: a cut secret would leave its start behind.
		{"secret across the cut", "x hunter2", 7, []string{"hunter2"}, "[REDACTED]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Message(tc.in, tc.max, tc.secrets...)
			if got != tc.want {
				t.Errorf("Message(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if !utf8.ValidString(got) || (len(got) > max(tc.max, len("…")) && got != Marker) {
				t.Errorf("Message(%q, %d) = %q: invalid UTF-8 or too long", tc.in, tc.max, got)
			}
		})
	}
}
