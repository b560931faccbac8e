package aliyuntest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const acs3 = "ACS3-HMAC-SHA256"

// verify authenticates r (ACS3 header signing, or v1 query signing) and returns its call.
// A returned Request may accompany an error, for the call log.
func (s *Server) verify(r *http.Request, body []byte) (*Request, *Error) {
	query := r.URL.Query()
	params := url.Values{}
	for k, v := range query {
		params[k] = v
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &Error{Status: 400, Code: "InvalidParameter", Message: "malformed form body"}
		}
		for k, v := range form {
			params[k] = v
		}
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, acs3+" ") {
		req := &Request{Action: r.Header.Get("x-acs-action"), Params: params, HTTP: r}
		id, err := s.verifyACS3(r, auth, query, body)
		req.AccessKeyID = id
		if err != nil {
			return req, err
		}
		if req.Action == "" {
			return req, &Error{Status: 400, Code: "MissingAction", Message: "x-acs-action is mandatory for this action."}
		}
		if v := r.Header.Get("x-acs-version"); v != s.version {
			return req, &Error{Status: 400, Code: "InvalidVersion", Message: "Specified parameter Version is not valid: " + v}
		}
		return req, nil
	}
	if query.Get("Signature") != "" {
		req := &Request{Action: query.Get("Action"), Params: params, AccessKeyID: query.Get("AccessKeyId"), HTTP: r}
		if err := s.verifyV1(r.Method, query); err != nil {
			return req, err
		}
		for _, k := range []string{"Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "SignatureType",
			"AccessKeyId", "Timestamp", "Format", "Version", "Action", "SecurityToken", "RegionId"} {
			req.Params.Del(k)
		}
		if v := query.Get("Version"); v != s.version {
			return req, &Error{Status: 400, Code: "InvalidVersion", Message: "Specified parameter Version is not valid: " + v}
		}
		return req, nil
	}
	return nil, &Error{Status: 400, Code: "MissingSecurityToken", Message: "the request is not signed"}
}

func (s *Server) lookup(id, token string) (string, *Error) {
	s.mu.Lock()
	k, ok := s.keys[id]
	s.mu.Unlock()
	if !ok {
		return "", &Error{Status: 404, Code: "InvalidAccessKeyId.NotFound", Message: "Specified access key is not found."}
	}
	if k.token != "" && token != k.token {
		return "", &Error{Status: 400, Code: "InvalidSecurityToken.Mismatch", Message: "Specified SecurityToken mismatch with the AccessKey."}
	}
	return k.secret, nil
}

func (s *Server) verifyACS3(r *http.Request, auth string, query url.Values, body []byte) (string, *Error) {
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, acs3+" "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	id, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	mismatch := &Error{Status: 400, Code: "IncompleteSignature", Message: "The request signature does not conform to Aliyun standards."}
	if id == "" || signed == "" || sig == "" {
		return id, mismatch
	}
	secret, err := s.lookup(id, r.Header.Get("x-acs-security-token"))
	if err != nil {
		return id, err
	}
	names := strings.Split(signed, ";")
	for _, must := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		if !contains(names, must) {
			return id, mismatch
		}
	}
	payload := sha256.Sum256(body)
	if r.Header.Get("x-acs-content-sha256") != hex.EncodeToString(payload[:]) {
		return id, &Error{Status: 400, Code: "SignatureDoesNotMatch", Message: "The request body does not match x-acs-content-sha256."}
	}
	var hdrs strings.Builder
	for _, n := range names {
		var vals []string
		if n == "host" {
			vals = []string{r.Host}
		} else {
			for _, v := range r.Header.Values(n) {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		sort.Strings(vals)
		hdrs.WriteString(n + ":" + strings.Join(vals, ",") + "\n")
	}
	uri := r.URL.EscapedPath()
	if uri == "" {
		uri = "/"
	}
	canonical := strings.Join([]string{r.Method, uri, canonicalQuery(query), hdrs.String(), signed, hex.EncodeToString(payload[:])}, "\n")
	h := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(acs3 + "\n" + hex.EncodeToString(h[:])))
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)) {
		return id, &Error{Status: 400, Code: "SignatureDoesNotMatch", Message: "Specified signature is not matched with our calculation."}
	}
	return id, nil
}

// canonicalQuery sorts the parameters and escapes values as the SDK does (keys as they are).
func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+percent(q.Get(k)))
	}
	return strings.Join(parts, "&")
}

// percent is RFC 3986 escaping, the way Alibaba Cloud signs: space as %20, * as %2A, ~ kept.
func percent(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

func (s *Server) verifyV1(method string, q url.Values) *Error {
	if m := q.Get("SignatureMethod"); m != "HMAC-SHA1" {
		return &Error{Status: 400, Code: "InvalidSignatureMethod", Message: "Specified signature method is not valid: " + m}
	}
	secret, err := s.lookup(q.Get("AccessKeyId"), q.Get("SecurityToken"))
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(v1Signature(method, q, secret)), []byte(q.Get("Signature"))) {
		return &Error{Status: 400, Code: "SignatureDoesNotMatch", Message: "Specified signature is not matched with our calculation."}
	}
	return nil
}

// SignV1 signs params (which must include Action, Version, AccessKeyId, Timestamp,
// SignatureNonce, SignatureMethod "HMAC-SHA1" and SignatureVersion "1.0") the legacy way
// and returns the query string to send. Tests and v1-speaking tools use it.
func SignV1(method string, params url.Values, secret string) string {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("Signature", v1Signature(method, q, secret))
	return q.Encode()
}

// v1Signature is base64(HMAC-SHA1(secret+"&", METHOD&%2F&escaped(sorted params but Signature))).
func v1Signature(method string, q url.Values, secret string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, percent(k)+"="+percent(q.Get(k)))
	}
	toSign := method + "&" + percent("/") + "&" + percent(strings.Join(parts, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
