// Package deploy holds regdr's deployment files — Prometheus alert rules
// (prometheus/alerts.yaml) and a Grafana dashboard (grafana/regdr-dashboard.json) over the
// metrics of github.com/regdr/regdr/metrics, Kubernetes manifests (kubernetes/) and the
// Dockerfile of the image they run — and the tests that keep them honest. It is
// a module of its own so the heavy test dependencies (github.com/prometheus/prometheus for
// the rule parser) stay out of the library's go.mod.
//
// # Testing
//
// `cd deploy && go test ./...` lints the rules with Prometheus' rulefmt and PromQL parser,
// decodes the dashboard, and checks that every metric either file names is exported by
// the metrics package's collectors; it decodes the manifests strictly, checks the flags
// they pass against the programs built from this commit, and checks the Dockerfile builds
// every program they run under the image name they use.
package deploy
