package onnx

import (
	"fmt"
	"io"
	"os"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/limits"
	"github.com/bonafide-pad/bonafide/internal/onnxpb"
)

// ReadFile reads a model file of at most limits.MaxModelBytes. It reads through a limit
// instead of trusting Stat, which says 0 for /dev/zero and for pipes, and it looks at the first
// bytes before reading on: a stream that cannot be ONNX (/dev/zero begins with tag 0) is refused
// there, not after half a gigabyte of it.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a model file", path)
	}
	if fi.Mode().IsRegular() && fi.Size() > limits.MaxModelBytes {
		return nil, &errs.LimitError{Where: "onnx", What: "model size in bytes", Got: fi.Size(), Limit: limits.MaxModelBytes, Detail: path}
	}
	return readModel(path, f, fi.Mode().IsRegular(), fi.Size())
}

// readModel reads f, named path in errors, whose Stat said regular and size: sizes a regular file's
// buffer from size and reads through the limit whatever size says, since it may be wrong.
func readModel(path string, f io.Reader, regular bool, size int64) ([]byte, error) {
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	head = head[:n]
	if err := onnxpb.CheckPrefix(head, limits.MaxModelBytes); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// One buffer for the whole file: the size Stat gives for a regular file, else room for the
	// limit, whose pages the OS hands over only as the data fills them.
	bufSize := int64(limits.MaxModelBytes + 1)
	if regular {
		// Never under what was already read: /proc files are regular and Stat says 0 for them,
		// and a file may grow between Stat and the read.
		bufSize = max(size, int64(n)) + 1
	}
	buf := make([]byte, int(bufSize))
	copy(buf, head)
	rest, err := io.ReadFull(io.LimitReader(f, limits.MaxModelBytes+1-int64(n)), buf[n:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	got := n + rest
	if got > limits.MaxModelBytes {
		return nil, &errs.LimitError{Where: "onnx", What: "model size in bytes", Got: int64(got), Limit: limits.MaxModelBytes,
			Detail: path + " (or more: it did not end)"}
	}
	if got == len(buf) {
		// A regular file that grew since Stat: read the rest through the limit.
		more, err := io.ReadAll(io.LimitReader(f, limits.MaxModelBytes+1-int64(got)))
		if err != nil {
			return nil, err
		}
		if buf = append(buf, more...); len(buf) > limits.MaxModelBytes {
			return nil, &errs.LimitError{Where: "onnx", What: "model size in bytes", Got: int64(len(buf)), Limit: limits.MaxModelBytes, Detail: path}
		}
		return buf, nil
	}
	return buf[:got], nil
}
