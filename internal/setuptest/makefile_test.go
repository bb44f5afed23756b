//go:build !js

package setuptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stub is a shell script that logs its name and arguments to $STUB_LOG, one line a call.
const stubHeader = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$STUB_LOG\"\n"

// npm install creates node_modules, as the real one does.
const npmStub = stubHeader + "mkdir -p node_modules\n"

// The tools a Makefile recipe may use besides the stubbed ones. Nothing else is on PATH, so a
// recipe that needs more fails here as it would on a bare machine.
var hostTools = []string{"bash", "sh", "make", "env", "cat", "touch", "mkdir", "find", "grep", "sed",
	"dirname", "basename", "rm", "true", "false", "mv", "cp", "chmod", "ls", "tr", "head", "tail"}

func TestMakefileInstallsOnBareMachine(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: the Makefile cannot be tested")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		uid      string
		sudo     bool // a sudo stub is on PATH
		chromium bool // chromium is already installed
		npm      bool // npm is already installed
		wantErr  string
		want     []string // the stub calls, in order
	}{
		{
			name: "root without sudo (a container or CI runner)", uid: "0", npm: true,
			want: []string{
				"apt-get update -q",
				"apt-get install -y -q chromium",
				"npm install --no-audit --no-fund --loglevel=error",
			},
		},
		{
			name: "root with sudo installed", uid: "0", sudo: true, npm: true,
			want: []string{
				"apt-get update -q",
				"apt-get install -y -q chromium",
				"npm install --no-audit --no-fund --loglevel=error",
			},
		},
		{
			name: "user with sudo", uid: "1000", sudo: true, npm: true,
			want: []string{
				"sudo apt-get update -q",
				"apt-get update -q",
				"sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium",
				"apt-get install -y -q chromium",
				"npm install --no-audit --no-fund --loglevel=error",
			},
		},
		{
			name: "root without npm or chromium", uid: "0",
			want: []string{
				"apt-get update -q",
				"apt-get install -y -q chromium",
				"apt-get update -q",
				"apt-get install -y -q nodejs npm",
				"npm install --no-audit --no-fund --loglevel=error",
			},
		},
		{
			name: "everything installed", uid: "0", chromium: true, npm: true,
			want: []string{"npm install --no-audit --no-fund --loglevel=error"},
		},
		{
			name: "user without sudo", uid: "1000", npm: true,
			wantErr: "needs root or sudo",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			work := filepath.Join(dir, "work")
			for _, d := range []string{bin, work} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write := func(path, body string) {
				t.Helper()
				if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(work, "Makefile"), string(makefile))
			write(filepath.Join(work, "package.json"), string(pkg))
			for _, tool := range hostTools {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Skipf("%s is not installed here", tool)
				}
				if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(bin, "id"), "#!/bin/sh\necho "+tt.uid+"\n")
			// apt-get installs what it is asked for, as a stub, so that later steps find it.
			write(filepath.Join(bin, "apt-get"), stubHeader+
				"[ \"$(id -u)\" = 0 ] || { echo 'apt-get: permission denied' >&2; exit 100; }\n"+
				"for p in \"$@\"; do case $p in chromium|npm) printf '#!/bin/sh\\n' > \""+bin+"/$p\"; chmod +x \""+bin+"/$p\";; esac; done\n")
			if tt.sudo {
				// Under sudo, id says 0.
				write(filepath.Join(bin, "sudo"), stubHeader+"PATH="+bin+"/root:$PATH exec \"$@\"\n")
				if err := os.Mkdir(filepath.Join(bin, "root"), 0o755); err != nil {
					t.Fatal(err)
				}
				write(filepath.Join(bin, "root", "id"), "#!/bin/sh\necho 0\n")
			}
			if tt.chromium {
				write(filepath.Join(bin, "chromium"), "#!/bin/sh\n")
			}
			if tt.npm {
				write(filepath.Join(bin, "npm"), npmStub)
			} else {
				// apt-get's npm stub must log too once installed.
				write(filepath.Join(bin, "apt-get"), stubHeader+
					"[ \"$(id -u)\" = 0 ] || { echo 'apt-get: permission denied' >&2; exit 100; }\n"+
					"for p in \"$@\"; do case $p in chromium) printf '#!/bin/sh\\n' > \""+bin+"/$p\"; chmod +x \""+bin+"/$p\";;"+
					" npm) cp \""+bin+"/npm.stub\" \""+bin+"/npm\";; esac; done\n")
				write(filepath.Join(bin, "npm.stub"), npmStub)
			}
			logf := filepath.Join(dir, "calls.log")
			cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "chromium", "npm")
			cmd.Dir = work
			cmd.Env = []string{"PATH=" + bin, "HOME=" + dir, "STUB_LOG=" + logf}
			out, err := cmd.CombinedOutput()
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("make succeeded, want a failure saying %q; output:\n%s", tt.wantErr, out)
				}
				if !strings.Contains(string(out), tt.wantErr) {
					t.Fatalf("make failed without saying %q; output:\n%s", tt.wantErr, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("make chromium npm: %v; output:\n%s", err, out)
			}
			logged, _ := os.ReadFile(logf)
			got := strings.Split(strings.TrimSpace(string(logged)), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("commands given:\n  %s\nwant:\n  %s\nmake output:\n%s",
					strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "), out)
			}
			if _, err := os.Stat(filepath.Join(work, "node_modules", ".installed")); err != nil {
				t.Errorf("npm step did not mark node_modules installed: %v", err)
			}
		})
	}
}

// TestMakefileTrainDeps runs `make train-deps` (what `make models` installs first) with a python
// that can or cannot import the training stack.
func TestMakefileTrainDeps(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: the Makefile cannot be tested")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		pyExit string
		want   []string
	}{
		{"python lacks torch", "1", []string{
			"python3 -c import torch, onnx, numpy, PIL",
			"apt-get update -q",
			"apt-get install -y -q python3-torch python3-onnx python3-numpy python3-pil",
		}},
		{"python has it", "0", []string{"python3 -c import torch, onnx, numpy, PIL"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			write := func(path, body string) {
				t.Helper()
				if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(dir, "Makefile"), string(makefile))
			for _, tool := range hostTools {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Skipf("%s is not installed here", tool)
				}
				if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(bin, "id"), "#!/bin/sh\necho 0\n")
			write(filepath.Join(bin, "apt-get"), stubHeader)
			py := filepath.Join(bin, "python3")
			write(py, stubHeader+"exit "+tt.pyExit+"\n")
			logf := filepath.Join(dir, "calls.log")
			cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "train-deps", "TRAIN_PY="+py)
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + bin, "HOME=" + dir, "STUB_LOG=" + logf}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make train-deps: %v; output:\n%s", err, out)
			}
			logged, _ := os.ReadFile(logf)
			got := strings.Split(strings.TrimSpace(string(logged)), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("commands given:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}
