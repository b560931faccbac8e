package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// Exit statuses, documented in the command doc and -h.
const (
	exitOK      = 0 // the run did what it was asked
	exitFailed  = 1 // something failed, or the run was interrupted
	exitUsage   = 2 // bad flags or settings, an unreadable secret file
	exitRefused = 3 // a safety check refused
)

// logFlags are -log-level and -log-format.
type logFlags struct{ level, format string }

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log `level` on stderr: debug, info, warn or error")
	fs.StringVar(&l.format, "log-format", "text", "log `format` on stderr: text or json (every stderr line a JSON object)")
}

// logger is the slog logger on w the flags ask for.
func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch l.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", l.format)
}

// errSecretFile: a secret file named by a -*-file flag or a $*_FILE variable cannot be read.
var errSecretFile = errors.New("unreadable secret file")

// secret reads a secret: from the file named by the flag fileFlag (value path), else from the
// file named by $env_FILE, else from $env. A trailing newline is trimmed. The error names
// the file, never its contents.
func secret(fileFlag, path, env string) (string, error) {
	from := fileFlag
	if path == "" {
		path, from = os.Getenv(env+"_FILE"), "$"+env+"_FILE"
	}
	if path == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named once, below
		}
		return "", fmt.Errorf("%w: %s %s: %v", errSecretFile, from, path, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// streams are where the command's own stderr lines go: progress (info) and complaints
// (errors). In text format both are stderr as written; in json format each line becomes a
// record of log, so that every stderr line is a JSON object.
func (l *logFlags) streams(stderr io.Writer, log *slog.Logger) (progress, complaints io.Writer) {
	if l.format != "json" {
		return stderr, stderr
	}
	return &lineLog{log: log, level: slog.LevelInfo}, &lineLog{log: log, level: slog.LevelError}
}

// lineLog logs each line written to it as one record.
type lineLog struct {
	log   *slog.Logger
	level slog.Level
	mu    sync.Mutex
	buf   []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimSpace(strings.ReplaceAll(string(l.buf[:i]), "\r", ""))
		l.buf = l.buf[i+1:]
		if line != "" {
			l.log.Log(context.Background(), l.level, line)
		}
	}
}
