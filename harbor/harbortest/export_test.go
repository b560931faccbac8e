package harbortest

import "github.com/goharbor/go-client/pkg/sdk/v2.0/models"

// Harbor's rules (rules.go), exported to the harbortest_test package, which
// compares them with regdr's replication package.

// ReplaceNamespace is replaceNamespace.
func ReplaceNamespace(repo, namespace string, count int8) (string, error) {
	return replaceNamespace(repo, namespace, count)
}

// Select applies a policy's filters, as the API receives them, to one
// artifact of repo: the repository must pass the name filters, the artifact
// the tag and label filters. It returns the tags replicated.
func Select(fs []*models.ReplicationFilter, repo string, tags, labels []string) ([]string, bool, error) {
	parsed, err := parseFilters(fs)
	if err != nil {
		return nil, false, err
	}
	ok, err := matchRepository(parsed, repo)
	if err != nil || !ok {
		return nil, false, err
	}
	return selectArtifact(parsed, tags, labels)
}
