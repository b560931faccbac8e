package jsontest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsSnake(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"id": true, "plan_id": true, "vpc_id": true, "http2": true, "a_1_b": true,
		"": false, "ID": false, "planId": false, "plainHTTP": false, "_id": false, "id_": false,
		"plan__id": false, "1st": false, "plan-id": false, "sha256:aa": false,
	} {
		if got := IsSnake(key); got != want {
			t.Errorf("IsSnake(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestKeys: every key at every depth, through arrays, and data maps walked without
// their keys.
func TestKeys(t *testing.T) {
	t.Parallel()
	doc := json.RawMessage(`{"items":[{"destDigest":"x"}],"manifests":{"sha256:aa":{"media_type":"m"}},"n":1}`)
	for _, tc := range []struct {
		name string
		data []string
		want []string
	}{
		{"all keys", nil, []string{".items", ".items[].destDigest", ".manifests", ".manifests.sha256:aa",
			".manifests.sha256:aa.media_type", ".n"}},
		{"data map", []string{".manifests"}, []string{".items", ".items[].destDigest", ".manifests", ".manifests{}.media_type", ".n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Keys(t, doc, tc.data...)); diff != "" {
				t.Errorf("Keys (-want +got):\n%s", diff)
			}
		})
	}
}

// One accepts exactly one JSON document and fails on none, a broken one, or two.
func TestOne(t *testing.T) {
	for doc, ok := range map[string]bool{`{"a":1}`: true, "{}\n": true, "": false, `{"a":`: false, "{}{}": false, "{}\n[]": false} {
		ft := &failRecorder{TB: t}
		One(ft, doc)
		if ft.failed == ok {
			t.Errorf("One(%q) failed %t, want %t", doc, ft.failed, !ok)
		}
	}
}

// failRecorder is a testing.TB whose Errorf only records that it was called.
type failRecorder struct {
	testing.TB
	failed bool
}

func (f *failRecorder) Errorf(string, ...any) { f.failed = true }
