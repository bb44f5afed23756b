//go:build js && wasm

// Command wasm is bonafide's WebAssembly entry point (GOOS=js GOARCH=wasm). It holds no logic: it
// translates calls from web/engine.mjs into core/liveness (checkers, sessions) and core/model (the
// low-level API), and results back.
//
// Every JS call goes through github.com/hack-pad/safejs, so a thrown JS value is an error, never a
// crash; every exported function returns a promise, and every error or recovered panic rejects it
// with an Error whose name says what went wrong (errors.go). A frame costs one call into Go: its
// RGBA bytes are copied in once and the whole result is copied out once, as one blob (blob.go).
//
// One hole remains that no Go code can close: wasm_exec.js calls JS getters (Reflect.get) without
// a try/catch, so a property getter that throws would unwind through Go's own stack. web/engine.mjs
// therefore passes only plain data it built itself (numbers, strings, typed arrays, plain objects),
// never a caller's object.
//
// Start-up: the JS side sets go.argv = ["bonafide", NAME] and globalThis[NAME] to a function; main
// calls it with the API object and then waits until exit() is called, when it releases every
// js.Func it made and returns, which ends the Go program.
package main

import (
	"fmt"
	"os"

	"github.com/hack-pad/safejs"
)

func main() {
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, "bonafide:", err)
		os.Exit(1)
	}
}

func serve() error {
	name := "bonafide"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	a, err := newAPI()
	if err != nil {
		return err
	}
	obj, err := a.object()
	if err != nil {
		a.release()
		return err
	}
	defer a.release()
	g := safejs.Global()
	hook, err := g.Get(name)
	if err != nil {
		return err
	}
	if hook.Type() == safejs.TypeFunction {
		if _, err := hook.Invoke(obj); err != nil {
			return fmt.Errorf("the start-up hook globalThis.%s threw: %w", name, err)
		}
	} else if err := g.Set(name, obj); err != nil {
		return err
	}
	<-a.exit
	return nil
}
