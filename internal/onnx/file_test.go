package onnx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/limits"
)

// testModel is a small real model file's bytes.
func testModel(t testing.TB) []byte {
	b, err := os.ReadFile("../../core/model/testdata/nets/patchnet_64.onnx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadModel: the bytes come back whole whatever Stat said of the file's size, which can be wrong
// (/proc files are regular and said to be empty; a file can grow or shrink between Stat and the read).
func TestReadModel(t *testing.T) {
	model := testModel(t)
	n := int64(len(model))
	for _, tt := range []struct {
		name    string
		regular bool
		size    int64
	}{
		{"regular, size right", true, n},
		{"regular, said to be empty (procfs)", true, 0},
		{"regular, grew since Stat", true, n / 2},
		{"regular, grew since Stat, under the first read", true, 100},
		{"regular, shrank since Stat", true, 2 * n},
		{"a pipe", false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readModel("m.onnx", bytes.NewReader(model), tt.regular, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, model) {
				t.Fatalf("read %d bytes, not the file's %d", len(got), n)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	model := testModel(t)
	if err := os.WriteFile(path, model, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(path); err != nil || !bytes.Equal(got, model) {
		t.Fatalf("ReadFile = %d bytes, %v; want the file's %d", len(got), err, len(model))
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("a folder was read as a model")
	}
	zeros := filepath.Join(dir, "zeros.onnx")
	if err := os.WriteFile(zeros, make([]byte, 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(zeros); errs.KindOf(err) != errs.Model {
		t.Errorf("a file of zeros: err = %v, want a malformed model", err)
	}
}

// FuzzReadModel checks that reading a regular file never panics whatever its bytes and whatever Stat
// said of its size, and that what it returns is the bytes read, whole. (A pipe's buffer is sized for
// MaxModelBytes, half a gigabyte a call: TestReadModel covers it once.)
func FuzzReadModel(f *testing.F) {
	model := testModel(f)
	f.Add(model, int64(len(model)))
	f.Add(model, int64(0))
	f.Add(model[:5000], int64(10))
	f.Add([]byte{0x62, 0x7f}, int64(0))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		if size < 0 || size > limits.MaxModelBytes {
			return // ReadFile refuses these sizes itself, from Stat
		}
		size %= 1 << 20 // Stat's size sizes the buffer: keep each call's allocation small
		got, err := readModel("m.onnx", bytes.NewReader(data), true, size)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Model && k != errs.Limit {
				t.Fatalf("err = %v (%T) has kind %v, want model or limit", err, err, k)
			}
			return
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes of %d", len(got), len(data))
		}
	})
}
