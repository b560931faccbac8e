package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// LogFlags are -log-level and -log-format.
type LogFlags struct{ Level, Format string }

// Register adds -log-level (default info) and -log-format (default text) to fs.
func (l *LogFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&l.Level, "log-level", "info", "log `level` on stderr: debug, info, warn or error")
	fs.StringVar(&l.Format, "log-format", "text", "log `format` on stderr: text or json (every stderr line a JSON object)")
}

// Logger is the slog logger on w the flags ask for; a bad level or format is an error
// naming the flag.
func (l *LogFlags) Logger(w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.Level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", l.Level)
	}
	if l.Format != "text" && l.Format != "json" {
		return nil, fmt.Errorf("-log-format %q: want text or json", l.Format)
	}
	return NewLogger(w, l.Format, lv), nil
}

// NewLogger logs on w from level on, as JSON lines when format is "json", else as text.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Streams are where a command's own stderr lines go: progress (info) and complaints
// (errors). In text format both are stderr as written; in json format each line becomes a
// record of log, so that every stderr line is a JSON object.
func (l *LogFlags) Streams(stderr io.Writer, log *slog.Logger) (progress, complaints io.Writer) {
	if l.Format != "json" {
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
