//go:build goexperiment.simd && wasm

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// The elementwise binary loops of the SIMD build: four lanes at a time for the ops wasm SIMD has
// (add, sub, mul, div, min, max: f32x4.min/max propagate NaN like Go's), PRelu as
// max(a,0) + b·min(a,0), and Pow through the scalar path.

// binaryVVSIMD computes y[i] = op(a[i], b[i]).
func binaryVVSIMD(op BinaryOp, y, a, b []float32) {
	n := len(y)
	a, b = a[:n], b[:n]
	i := 0
	if n >= 4 {
		py, pa, pb := unsafe.Pointer(&y[0]), unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
		zero := archsimd.BroadcastFloat32x4(0)
		switch op {
		case OpAdd:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Add(ld4(pb, o)))
			}
		case OpSub:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Sub(ld4(pb, o)))
			}
		case OpMul:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Mul(ld4(pb, o)))
			}
		case OpDiv:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Div(ld4(pb, o)))
			}
		case OpMax:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Max(ld4(pb, o)))
			}
		case OpMin:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Min(ld4(pb, o)))
			}
		case OpPRelu:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				v := ld4(pa, o)
				st4(py, o, v.Max(zero).Add(ld4(pb, o).Mul(v.Min(zero))))
			}
		}
	}
	for ; i < n; i++ {
		y[i] = binary1(op, a[i], b[i])
	}
}

// binaryVSSIMD computes y[i] = op(a[i], s).
func binaryVSSIMD(op BinaryOp, y, a []float32, s float32) {
	n := len(y)
	a = a[:n]
	i := 0
	if n >= 4 {
		py, pa := unsafe.Pointer(&y[0]), unsafe.Pointer(&a[0])
		vs := archsimd.BroadcastFloat32x4(s)
		zero := archsimd.BroadcastFloat32x4(0)
		switch op {
		case OpAdd:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Add(vs))
			}
		case OpSub:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Sub(vs))
			}
		case OpMul:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Mul(vs))
			}
		case OpDiv:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Div(vs))
			}
		case OpMax:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Max(vs))
			}
		case OpMin:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, ld4(pa, o).Min(vs))
			}
		case OpPRelu:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				v := ld4(pa, o)
				st4(py, o, v.Max(zero).Add(vs.Mul(v.Min(zero))))
			}
		}
	}
	for ; i < n; i++ {
		y[i] = binary1(op, a[i], s)
	}
}

// binarySVSIMD computes y[i] = op(s, b[i]).
func binarySVSIMD(op BinaryOp, y []float32, s float32, b []float32) {
	n := len(y)
	b = b[:n]
	i := 0
	if n >= 4 {
		py, pb := unsafe.Pointer(&y[0]), unsafe.Pointer(&b[0])
		vs := archsimd.BroadcastFloat32x4(s)
		switch op {
		case OpAdd:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, vs.Add(ld4(pb, o)))
			}
		case OpSub:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, vs.Sub(ld4(pb, o)))
			}
		case OpMul:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, vs.Mul(ld4(pb, o)))
			}
		case OpDiv:
			for ; i+4 <= n; i += 4 {
				o := uintptr(i) * 4
				st4(py, o, vs.Div(ld4(pb, o)))
			}
		}
	}
	for ; i < n; i++ {
		y[i] = binary1(op, s, b[i])
	}
}

// scaleShiftRowSIMD computes y = x·s + t.
func scaleShiftRowSIMD(y, x []float32, s, t float32) {
	n := len(x)
	y = y[:n]
	i := 0
	if n >= 4 {
		py, px := unsafe.Pointer(&y[0]), unsafe.Pointer(&x[0])
		vs, vt := archsimd.BroadcastFloat32x4(s), archsimd.BroadcastFloat32x4(t)
		for ; i+4 <= n; i += 4 {
			o := uintptr(i) * 4
			st4(py, o, ld4(px, o).Mul(vs).Add(vt))
		}
	}
	for ; i < n; i++ {
		y[i] = x[i]*s + t
	}
}

// scaleAddSIMD computes y = x·s + r.
func scaleAddSIMD(y, x []float32, s float32, r []float32) {
	n := len(x)
	y, r = y[:n], r[:n]
	vs := archsimd.BroadcastFloat32x4(s)
	i := 0
	if n >= 4 {
		px, py, pr := unsafe.Pointer(&x[0]), unsafe.Pointer(&y[0]), unsafe.Pointer(&r[0])
		for ; i+4 <= n; i += 4 {
			o := uintptr(i) * 4
			st4(py, o, ld4(px, o).Mul(vs).Add(ld4(pr, o)))
		}
	}
	for ; i < n; i++ {
		y[i] = x[i]*s + r[i]
	}
}

// sumSIMD is Σ a[i]: four lanes of partial sums, then a scalar tail.
func sumSIMD(a []float32) float32 {
	n := len(a)
	var acc archsimd.Float32x4
	i := 0
	if n >= 4 {
		pa := unsafe.Pointer(&a[0])
		for ; i+4 <= n; i += 4 {
			acc = acc.Add(ld4(pa, uintptr(i)*4))
		}
	}
	var lanes [4]float32
	acc.StoreArray(&lanes)
	s := (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	for ; i < n; i++ {
		s += a[i]
	}
	return s
}
