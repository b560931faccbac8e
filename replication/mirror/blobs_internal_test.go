package mirror

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// A lazyBody opens its stream at the first Read, once, and reports the open's failure; a
// Read after Close opens nothing (a transport may read a request's body after the
// request ended).
func TestLazyBody(t *testing.T) {
	opened := 0
	l := &lazyBody{open: func() (io.ReadCloser, error) { opened++; return io.NopCloser(strings.NewReader("ab")), nil }}
	if opened != 0 {
		t.Fatal("opened before the first Read")
	}
	b, err := io.ReadAll(l)
	if string(b) != "ab" || err != nil || opened != 1 || l.openErr() != nil {
		t.Errorf("ReadAll = %q, %v after %d opens", b, err, opened)
	}
	boom := errors.New("source down")
	l = &lazyBody{open: func() (io.ReadCloser, error) { return nil, boom }}
	if _, err := l.Read(make([]byte, 1)); !errors.Is(err, boom) || !errors.Is(l.openErr(), boom) {
		t.Errorf("failed open: Read %v, openErr %v", err, l.openErr())
	}
	l = &lazyBody{open: func() (io.ReadCloser, error) { opened++; return nil, nil }}
	l.Close()
	if _, err := l.Read(make([]byte, 1)); err == nil || opened != 1 {
		t.Errorf("Read after Close: %v, %d opens; want an error and no open", err, opened)
	}
}
