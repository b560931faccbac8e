package mirror

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// ErrUnsupportedDigest: a blob or manifest is named by a digest whose algorithm the engine
// cannot check (it checks sha256 and sha512), so it is not copied: every byte the engine
// moves is checked against its digest.
var ErrUnsupportedDigest = errors.New("unsupported digest algorithm")

// maxManifest is the most the engine reads of a manifest: registries refuse larger ones
// (distribution's limit is 4 MiB).
const maxManifest = 4 << 20

// newDigester returns a hash for digest's algorithm and the digest's algorithm prefix
// ("sha256:"), or an ErrUnsupportedDigest error.
func newDigester(digest string) (hash.Hash, string, error) {
	algo, _, ok := strings.Cut(digest, ":")
	switch {
	case !ok:
		return nil, "", fmt.Errorf("%w: %q is not algorithm:hex", ErrUnsupportedDigest, digest)
	}
	switch algo {
	case "sha256":
		return sha256.New(), "sha256:", nil
	case "sha512":
		return sha512.New(), "sha512:", nil
	}
	return nil, "", fmt.Errorf("%w: %q (sha256 and sha512 are checked in transit)", ErrUnsupportedDigest, algo)
}

// digestAs returns the digest of raw computed with want's algorithm.
func digestAs(raw []byte, want string) (string, error) {
	h, prefix, err := newDigester(want)
	if err != nil {
		return "", err
	}
	h.Write(raw)
	return prefix + hex.EncodeToString(h.Sum(nil)), nil
}
