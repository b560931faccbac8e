package alicloud_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/regdr/regdr/alicloud"
)

func TestCredentialsRedacted(t *testing.T) {
	t.Parallel()
	for _, c := range []alicloud.Credentials{
		{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey},
		{AccessKeyID: "STS.key", AccessKeySecret: secretKey, SecurityToken: stsToken},
	} {
		p := &c
		type holder struct {
			Name  string
			Creds alicloud.Credentials
			Ptr   *alicloud.Credentials
		}
		h := holder{Name: "h", Creds: c, Ptr: p}
		outs := map[string]string{
			"String": c.String(), "GoString": c.GoString(),
			"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
			"%s": fmt.Sprintf("%s", c), "%q": fmt.Sprintf("%q", c), "%x": fmt.Sprintf("%x", c),
			"%d":         fmt.Sprintf("%d", c),
			"pointer %v": fmt.Sprintf("%v", p), "pointer %+v": fmt.Sprintf("%+v", p), "pointer %#v": fmt.Sprintf("%#v", p),
			"Sprint": fmt.Sprint(c, p), "Sprintln": fmt.Sprintln(c, p),
			"holder %+v": fmt.Sprintf("%+v", h), "holder %#v": fmt.Sprintf("%#v", h),
		}
		for name, v := range map[string]any{"JSON": c, "JSON pointer": p, "JSON holder": h} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			outs[name] = string(b)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("text", "creds", c, "ptr", p)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("json", "creds", c, "ptr", p)
		outs["slog"] = buf.String()
		for name, out := range outs {
			if strings.Contains(out, secretKey) || strings.Contains(out, stsToken) {
				t.Errorf("%s shows a secret: %s", name, out)
			}
			if !strings.Contains(out, c.AccessKeyID) && name != "%x" && name != "%d" {
				t.Errorf("%s lacks the AccessKey ID: %s", name, out)
			}
		}
		var back map[string]string
		if err := json.Unmarshal([]byte(outs["JSON"]), &back); err != nil || back["access_key_id"] != c.AccessKeyID {
			t.Errorf("JSON = %s, %v; want access_key_id %s", outs["JSON"], err, c.AccessKeyID)
		}
		if (back["security_token"] != "") != (c.SecurityToken != "") {
			t.Errorf("JSON = %s: security_token present = %v, want %v", outs["JSON"], back["security_token"] != "", c.SecurityToken != "")
		}
	}
}

const (
	secretKey = "s3cr3t-never-printed"
	stsToken  = "sts-token-never-printed"
)
