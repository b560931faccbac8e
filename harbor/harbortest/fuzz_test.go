package harbortest

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseScopes: any scope a client sends (untrusted input to the token service) parses
// without panicking into one entry per non-empty scope whose type is the text before the
// first colon; a "type:name:actions" scope reads back as written; and the scope the
// registry asks for (scopeOf) grants the action it names, on that repository.
func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"repository:library/nginx:pull,push", "registry:catalog:*", "repository:a/b:c:pull", "repository", "a:", ":::", ""} {
		f.Add(s, "library/nginx", actPush)
	}
	f.Fuzz(func(t *testing.T, scope, repo, action string) {
		got := parseScopes([]string{scope})
		if scope == "" {
			if len(got) != 0 {
				t.Fatalf("parseScopes([\"\"]) = %v, want none", got)
			}
		} else {
			if len(got) != 1 {
				t.Fatalf("parseScopes([%q]) = %v, want one entry", scope, got)
			}
			a := got[0]
			typ, _, _ := strings.Cut(scope, ":")
			if a.Type != typ || a.Actions == nil {
				t.Fatalf("parseScopes([%q]) = %+v, want type %q and non-nil actions", scope, a, typ)
			}
			if strings.Count(scope, ":") >= 2 && len(a.Actions) > 0 {
				if back := a.Type + ":" + a.Name + ":" + strings.Join(a.Actions, ","); back != scope {
					t.Fatalf("parseScopes([%q]) = %+v, which writes back as %q", scope, a, back)
				}
			}
		}
		// A repository name has no ":" or "," (the reference grammar), nor an action.
		if repo == "" || strings.ContainsAny(repo, ":, ") || action == "" || strings.ContainsAny(action, ":, ") {
			return
		}
		sc := scopeOf(repo, action)
		back := parseScopes([]string{sc})
		if len(back) != 1 || back[0].Type != "repository" || back[0].Name != repo || !slices.Contains(back[0].Actions, action) {
			t.Fatalf("scopeOf(%q, %q) = %q, parsed back as %+v", repo, action, sc, back)
		}
	})
}
