//go:build js && wasm

package main

import (
	"math"

	"github.com/hack-pad/safejs"
)

// opts reads fields of a JS options object. A missing, undefined or null field is absent; a field
// of the wrong type is a TypeError naming its path ("options.quality.minFaceFrac").
type opts struct {
	v    safejs.Value
	path string
}

func optsOf(v safejs.Value, path string) (opts, error) {
	switch v.Type() {
	case safejs.TypeUndefined, safejs.TypeNull, safejs.TypeObject:
		return opts{v: v, path: path}, nil
	}
	return opts{}, typeErrorf("%s: want an object, got %s", path, v.Type())
}

func (o opts) get(name string) (safejs.Value, bool, error) {
	if t := o.v.Type(); t == safejs.TypeUndefined || t == safejs.TypeNull {
		return safejs.Undefined(), false, nil
	}
	f, err := o.v.Get(name)
	if err != nil {
		return f, false, err
	}
	if t := f.Type(); t == safejs.TypeUndefined || t == safejs.TypeNull {
		return f, false, nil
	}
	return f, true, nil
}

func (o opts) float(name string) (float64, bool, error) {
	f, ok, err := o.get(name)
	if !ok || err != nil {
		return 0, false, err
	}
	if f.Type() != safejs.TypeNumber {
		return 0, false, typeErrorf("%s.%s: want a number, got %s", o.path, name, f.Type())
	}
	v, err := f.Float()
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		return 0, false, rangeErrorf("%s.%s: want a finite number, got %v", o.path, name, v)
	}
	return v, err == nil, err
}

func (o opts) int(name string) (int, bool, error) {
	v, ok, err := o.float(name)
	if !ok || err != nil {
		return 0, ok, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<31 {
		return 0, false, rangeErrorf("%s.%s: want an integer, got %v", o.path, name, v)
	}
	return int(v), true, nil
}

func (o opts) boolean(name string) (bool, bool, error) {
	f, ok, err := o.get(name)
	if !ok || err != nil {
		return false, false, err
	}
	if f.Type() != safejs.TypeBoolean {
		return false, false, typeErrorf("%s.%s: want a boolean, got %s", o.path, name, f.Type())
	}
	v, err := f.Bool()
	return v, err == nil, err
}

func (o opts) string(name string) (string, bool, error) {
	f, ok, err := o.get(name)
	if !ok || err != nil {
		return "", false, err
	}
	if f.Type() != safejs.TypeString {
		return "", false, typeErrorf("%s.%s: want a string, got %s", o.path, name, f.Type())
	}
	v, err := f.String()
	return v, err == nil, err
}

func (o opts) object(name string) (opts, bool, error) {
	f, ok, err := o.get(name)
	if !ok || err != nil {
		return opts{v: safejs.Undefined(), path: o.path + "." + name}, false, err
	}
	sub, err := optsOf(f, o.path+"."+name)
	return sub, err == nil, err
}

// maxListLength bounds arrays read from options (shapes, reason codes).
const maxListLength = 64

func (o opts) strings(name string) ([]string, bool, error) {
	f, ok, err := o.get(name)
	if !ok || err != nil {
		return nil, false, err
	}
	n, err := arrayLength(f, o.path+"."+name)
	if err != nil {
		return nil, false, err
	}
	out := make([]string, n)
	for i := range out {
		e, err := f.Index(i)
		if err != nil {
			return nil, false, err
		}
		if e.Type() != safejs.TypeString {
			return nil, false, typeErrorf("%s.%s[%d]: want a string, got %s", o.path, name, i, e.Type())
		}
		if out[i], err = e.String(); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

func arrayLength(v safejs.Value, path string) (int, error) {
	array, err := safejs.Global().Get("Array")
	if err != nil {
		return 0, err
	}
	return arrayLengthWith(array, v, path)
}

// arrayLen is arrayLength with the Array constructor that newAPI looked up once (run's hot path).
func (a *api) arrayLen(v safejs.Value, path string) (int, error) {
	return arrayLengthWith(a.array, v, path)
}

func arrayLengthWith(array, v safejs.Value, path string) (int, error) {
	r, err := array.Call("isArray", v)
	if err == nil {
		var ok bool
		if ok, err = r.Bool(); err == nil && !ok {
			err = typeErrorf("%s: want an array, got %s", path, v.Type())
		}
	}
	if err != nil {
		return 0, err
	}
	n, err := v.Length()
	if err == nil && n > maxListLength {
		err = rangeErrorf("%s: %d elements, over the limit of %d", path, n, maxListLength)
	}
	return n, err
}

func intArray(v safejs.Value, path string) ([]int, error) {
	n, err := arrayLength(v, path)
	if err != nil {
		return nil, err
	}
	return intElements(make([]int, 0, n), v, n, path)
}

// intArrayInto is intArray appending to dst (run reuses one slice for every feed's dims).
func (a *api) intArrayInto(dst []int, v safejs.Value, path string) ([]int, error) {
	n, err := a.arrayLen(v, path)
	if err != nil {
		return dst, err
	}
	return intElements(dst, v, n, path)
}

func intElements(dst []int, v safejs.Value, n int, path string) ([]int, error) {
	for i := range n {
		e, err := v.Index(i)
		if err != nil {
			return dst, err
		}
		f, err := e.Float()
		if e.Type() != safejs.TypeNumber || err != nil || f != math.Trunc(f) || f < 0 || f > 1<<30 {
			return dst, typeErrorf("%s[%d]: want a non-negative integer", path, i)
		}
		dst = append(dst, int(f))
	}
	return dst, nil
}

// bytesArg copies a Uint8Array (or Uint8ClampedArray) argument into dst, growing it, after checking
// its length against limit so that nothing is allocated for an oversized argument.
func bytesArg(dst []byte, v safejs.Value, path string, limit int) ([]byte, error) {
	if v.Type() != safejs.TypeObject {
		return dst, typeErrorf("%s: want a Uint8Array, got %s", path, v.Type())
	}
	n, err := v.Length()
	if err != nil {
		return dst, typeErrorf("%s: want a Uint8Array: %v", path, err)
	}
	if n > limit {
		return dst, rangeErrorf("%s: %d bytes, over the limit of %d", path, n, limit)
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	got, err := safejs.CopyBytesToGo(dst, v)
	if err != nil {
		return dst, typeErrorf("%s: want a Uint8Array or Uint8ClampedArray: %v", path, err)
	}
	if got != n {
		return dst, typeErrorf("%s: copied %d of %d bytes", path, got, n)
	}
	return dst, nil
}

func intArg(args []safejs.Value, i int, name string) (int, error) {
	if i >= len(args) || args[i].Type() != safejs.TypeNumber {
		return 0, typeErrorf("%s: want a number", name)
	}
	f, err := args[i].Float()
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || f < 0 || f > 1<<31 {
		return 0, rangeErrorf("%s: want a non-negative integer, got %v", name, f)
	}
	return int(f), nil
}

func argOr(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

// onlyKeys reports a key of the options object that known refuses, as a TypeError naming the
// path and what was expected: a misspelt option fails loudly instead of being ignored.
func (o opts) onlyKeys(known func(string) bool, want string) error {
	if t := o.v.Type(); t != safejs.TypeObject {
		return nil
	}
	keys, err := objectKeys(o.v)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !known(k) {
			return typeErrorf("%s: unknown key %q: want %s", o.path, k, want)
		}
	}
	return nil
}
