package aliyuntest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/internal/aliyuntest"
)

func TestShapeDiff(t *testing.T) {
	t.Parallel()
	const doc = `{"TotalCount":"1","Images":[{"Digest":"67bfbcc12b67936ec7f867927817cbb071832b873dbcaed312a1930ba5f1****",
		"ImageCreate":"1572839125000","ImageSize":27107966,"Tags":["a"]}],"Flag":"true","When":"2018-01-23T03:15Z"}`
	for _, tc := range []struct {
		name, got string
		skip      []string
		want      []string
	}{
		{"same shape", `{"TotalCount":"3","Images":[{"Digest":"36fb85fcb5e919cb60e782397a6be04201868fe7b38ef7669fc01caec1c8fc4e",
			"ImageCreate":"1700000000000","ImageSize":1,"Tags":["b"]}],"Flag":"false","When":"2026-01-02T03:04Z"}`, nil, nil},
		{"wrong formats", `{"TotalCount":3,"Images":[{"Digest":"sha256:36fb85fcb5e919cb60e782397a6be04201868fe7b38ef7669fc01caec1c8fc4e",
			"ImageCreate":1700000000000,"ImageSize":1,"Tags":[]}],"Flag":true,"When":"2026-01-02T03:04:05Z","Extra":1}`, nil, []string{
			"Extra: not in the documented answer",
			"Flag: bool, documented string(bool)",
			"Images[].Digest: string(sha256:hex), documented string(64-hex)",
			"Images[].ImageCreate: number, documented string(epoch-ms)",
			"Images[].Tags[]: empty, documented with elements",
			"TotalCount: number, documented string(digits)",
			"When: string(ISO-8601 seconds), documented string(ISO-8601 minutes)",
		}},
		{"missing, and allowed missing", `{"TotalCount":"1","Images":[],"When":"2026-01-02T03:04Z"}`, []string{"Images[]"},
			[]string{"Flag: missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := aliyuntest.ShapeDiff([]byte(doc), []byte(tc.got), tc.skip...)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ShapeDiff (-want +got):\n%s", d)
			}
		})
	}
}

// TestErrorBodyGolden: an error answer has the documented body (fact pack common.md §5:
// RequestId, HostId, Code, Message, Recommend) and the status it was given.
func TestErrorBodyGolden(t *testing.T) {
	t.Parallel()
	g, err := aliyuntest.LoadGolden(filepath.Join("testdata", "golden", "error.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := aliyuntest.NewServer("2018-12-01")
	srv.AddKey("id", "secret")
	srv.Handle("Fail", func(*aliyuntest.Request) (any, error) {
		return nil, &aliyuntest.Error{Status: 400, Code: "DomainRecordDuplicate", Message: "The DNS record already exists."}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	params := url.Values{"Action": {"Fail"}, "Version": {"2018-12-01"}, "AccessKeyId": {"id"}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "SignatureNonce": {"n1"}, "Timestamp": {"2026-01-01T00:00:00Z"}}
	resp, err := http.Post(ts.URL+"/?"+aliyuntest.SignV1("POST", params, "secret"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != g.Status {
		t.Errorf("status %d, documented %d", resp.StatusCode, g.Status)
	}
	diff, err := aliyuntest.ShapeDiff(g.Response, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Errorf("error body: %s (documented: %s)", d, g.Source)
	}
}
