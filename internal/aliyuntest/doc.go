// Package aliyuntest serves RPC-style Alibaba Cloud OpenAPI emulators that the real SDK
// clients (cr, pvtz, alidns) talk to over plain HTTP on loopback. It verifies every request's
// signature — ACS3-HMAC-SHA256 as the current SDKs sign, and the legacy v1 HMAC-SHA1 query
// signing — against the AccessKeys it was given, dispatches the action to a handler, and
// answers in Alibaba's shapes: the handler's value as JSON with a RequestId, or an error
// body {"RequestId","HostId","Code","Message","Recommend"} with its HTTP status.
//
//	srv := aliyuntest.NewServer("2018-12-01")
//	srv.AddKey("LTAI-test", "secret")
//	srv.Handle("GetNamespace", func(r *aliyuntest.Request) (any, error) {
//		if r.Get("NamespaceName") == "" {
//			return nil, &aliyuntest.Error{Status: 400, Code: "MissingNamespaceName"}
//		}
//		return map[string]any{"IsSuccess": true, "Code": "success", "NamespaceName": r.Get("NamespaceName")}, nil
//	})
//	ts := httptest.NewServer(srv) // point the SDK at ts.Listener.Addr() with Protocol "HTTP"
//
// FailNext injects faults (throttling, 5xx) and Calls lists what was asked.
//
// Golden, LoadGolden and ShapeDiff hold an emulator's answers to documented example
// answers (kept in testdata files with their sources): same keys, JSON types and string
// formats (bare hex, sha256:<hex>, epoch-ms digits, "true"/"false", ISO-8601 minutes).
//
// # Concurrency
//
// A Server is safe for concurrent use; handlers run concurrently and guard their own state.
//
// # Testing
//
// This package is itself a test double; its tests run the real SDK clients against it.
package aliyuntest
