package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

// parse registers LogFlags on a new FlagSet and parses args.
func parse(t *testing.T, args ...string) *LogFlags {
	t.Helper()
	var l LogFlags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &l
}

// TestLogger: text by default from info on; json writes a JSON object a record; a bad
// level or format is an error naming the flag.
func TestLogger(t *testing.T) {
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := parse(t).Logger(&buf)
		if err != nil {
			t.Fatal(err)
		}
		log.Debug("hidden")
		log.Info("shown", "k", "v")
		if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "level=INFO msg=shown k=v") {
			t.Errorf("text log %q", got)
		}
	})
	t.Run("json debug", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := parse(t, "-log-format", "json", "-log-level", "debug").Logger(&buf)
		if err != nil {
			t.Fatal(err)
		}
		log.Debug("one", "k", "v")
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || rec["msg"] != "one" || rec["level"] != "DEBUG" || rec["k"] != "v" {
			t.Errorf("json log %q: %v", buf.String(), err)
		}
	})
	t.Run("warn", func(t *testing.T) {
		var buf bytes.Buffer
		log, err := parse(t, "-log-level", "warn").Logger(&buf)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("hidden")
		if buf.Len() != 0 {
			t.Errorf("info logged at warn: %q", buf.String())
		}
	})
	for name, tc := range map[string]struct {
		args []string
		msg  string
	}{
		"bad level":  {[]string{"-log-level", "loud"}, `-log-level "loud": want debug, info, warn or error`},
		"bad format": {[]string{"-log-format", "xml"}, `-log-format "xml": want text or json`},
	} {
		t.Run(name, func(t *testing.T) {
			log, err := parse(t, tc.args...).Logger(io.Discard)
			if log != nil || err == nil || err.Error() != tc.msg {
				t.Errorf("Logger = %v, %v; want %q", log, err, tc.msg)
			}
		})
	}
}

// TestStreams: in text format the streams are stderr itself; in json format each line
// written, even in pieces, is one record at info (progress) or error (complaints), blank
// lines dropped.
func TestStreams(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	l := parse(t)
	log, _ := l.Logger(&stderr)
	if p, c := l.Streams(&stderr, log); p != io.Writer(&stderr) || c != io.Writer(&stderr) {
		t.Errorf("text streams are not stderr")
	}
	stderr.Reset()
	l = parse(t, "-log-format", "json")
	log, _ = l.Logger(&stderr)
	progress, complaints := l.Streams(&stderr, log)
	fmt.Fprint(progress, "copied 1/2")
	fmt.Fprint(progress, " items\r\n\n")
	fmt.Fprintln(complaints, "  boom  ")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line %q is not JSON: %v", line, err)
		}
		got = append(got, rec.Level+" "+rec.Msg)
	}
	if want := "INFO copied 1/2 items|ERROR boom"; strings.Join(got, "|") != want {
		t.Errorf("records %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestClassify: nil is OK, one of the refusals however wrapped is Refused, anything else
// Failed.
func TestClassify(t *testing.T) {
	t.Parallel()
	errA, errB := errors.New("a refused"), errors.New("b refused")
	cases := map[string]struct {
		err  error
		want int
	}{
		"nil":         {nil, OK},
		"refusal":     {errA, Refused},
		"wrapped":     {fmt.Errorf("planning: %w", errB), Refused},
		"joined":      {errors.Join(errors.New("x"), errA), Refused},
		"other":       {errors.New("boom"), Failed},
		"no refusals": {errA, Failed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			refusals := []error{errA, errB}
			if name == "no refusals" {
				refusals = nil
			}
			if got := Classify(tc.err, refusals...); got != tc.want {
				t.Errorf("Classify(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
