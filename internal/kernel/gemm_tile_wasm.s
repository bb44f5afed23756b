//go:build goexperiment.simd && wasm

#include "go_asm.h"
#include "textflag.h"

// func gemmTile4x8(k int, a, b, c unsafe.Pointer, ldc int, nt int, ep *tileEpilogue)
//
// The 4×8 micro-kernel of gemm_tile_wasmsimd.go, written in WebAssembly. The compiled Go kernel
// runs inside the function-wide dispatch loop Go's wasm backend gives every function (each branch
// goes back to a br_table), and its register allocator spills accumulators to the Go stack in the
// k loop; here the k loop is a plain wasm loop over sixteen v128 locals:
//
//	V0-V7  accumulators, row i in V(2i) (columns 0-3) and V(2i+1) (columns 4-7)
//	V8-V9  the B panel's row of eight floats
//	V10    the broadcast A value of the row being updated
//	V11    zero (never written: wasm zeroes a function's locals on entry)
//	R0 k left, R1 A, R2 B (this tile's panel), R3 C, R4 ldc in bytes, R5 tiles left, R6 ep,
//	R7 the tile's B panel start, R8 k, R9 residual (0: none), R10 ldr in bytes, R11 column bias
//
// Addresses are i64 in Go's wasm locals and wrapped to i32 for each access (the memory is 32-bit).
// Stores take their offset in the address: Go's assembler drops the offset of a V128Store (it
// is missing from the instructions whose one operand is a destination, Go 1.27.3).
// Broadcasts are f32.load + f32x4.splat: Go's assembler encodes v128.load32_splat with an alignment
// the validator rejects (Go 1.27.3), and V8 turns the pair into one broadcast load anyway.
TEXT ·gemmTile4x8(SB), NOSPLIT, $0-56
	I64Load k+0(FP)
	Set R8
	I64Load b+16(FP)
	Set R7
	I64Load c+24(FP)
	Set R3
	I64Load ldc+32(FP)
	I64Const $2
	I64Shl
	Set R4
	I64Load nt+40(FP)
	Set R5
	I64Load ep+48(FP)
	Set R6

	// Residual: R9 = ep.res data pointer or 0, R10 = ep.ldr·4.
	Get R6
	I32WrapI64
	I64Load $tileEpilogue_res
	Set R9
	Get R6
	I32WrapI64
	I64Load $tileEpilogue_ldr
	I64Const $2
	I64Shl
	Set R10
	// Column bias pointer (advances a tile at a time).
	Get R6
	I32WrapI64
	I64Load $tileEpilogue_bias
	Set R11

	Block // tiles done
	Loop // tiles
		Get R5
		I64Eqz
		BrIf $1

		// Accumulators from the init mode.
		Get R6
		I32WrapI64
		I32Load8U $tileEpilogue_init
		I64ExtendI32U
		Set R12
		Get V11 // zero: V11 is never written, and wasm zeroes locals on entry
		Tee V0
		Tee V1
		Tee V2
		Tee V3
		Tee V4
		Tee V5
		Tee V6
		Set V7

		Get R12
		I64Const $const_initC
		I64Eq
		If
			Get R3
			I32WrapI64
			V128Load $0
			Set V0
			Get R3
			I32WrapI64
			V128Load $16
			Set V1
			Get R3
			Get R4
			I64Add
			I32WrapI64
			V128Load $0
			Set V2
			Get R3
			Get R4
			I64Add
			I32WrapI64
			V128Load $16
			Set V3
			Get R3
			Get R4
			I64Const $1
			I64Shl
			I64Add
			I32WrapI64
			V128Load $0
			Set V4
			Get R3
			Get R4
			I64Const $1
			I64Shl
			I64Add
			I32WrapI64
			V128Load $16
			Set V5
			Get R3
			Get R4
			I64Const $3
			I64Mul
			I64Add
			I32WrapI64
			V128Load $0
			Set V6
			Get R3
			Get R4
			I64Const $3
			I64Mul
			I64Add
			I32WrapI64
			V128Load $16
			Set V7
		End
		Get R12
		I64Const $const_initRowBias
		I64Eq
		If
			Get R11
			I32WrapI64
			F32Load $0
			F32x4Splat
			Tee V0
			Set V1
			Get R11
			I32WrapI64
			F32Load $4
			F32x4Splat
			Tee V2
			Set V3
			Get R11
			I32WrapI64
			F32Load $8
			F32x4Splat
			Tee V4
			Set V5
			Get R11
			I32WrapI64
			F32Load $12
			F32x4Splat
			Tee V6
			Set V7
		End
		Get R12
		I64Const $const_initColBias
		I64Eq
		If
			Get R11
			I32WrapI64
			V128Load $0
			Tee V0
			Tee V2
			Tee V4
			Set V6
			Get R11
			I32WrapI64
			V128Load $16
			Tee V1
			Tee V3
			Tee V5
			Set V7
			Get R11
			I64Const $32
			I64Add
			Set R11
		End

		// The k loop: four steps per iteration, then one at a time.
		I64Load a+8(FP)
		Set R1
		Get R7
		Set R2
		Get R8
		Set R0
		Block
		Loop
			Get R0
			I64Const $4
			I64LtS
			BrIf $1
			// step 0
			Get R2
			I32WrapI64
			V128Load $0
			Set V8
			Get R2
			I32WrapI64
			V128Load $16
			Set V9
			Get R1
			I32WrapI64
			F32Load $0
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V0
			F32x4Add
			Set V0
			Get V10
			Get V9
			F32x4Mul
			Get V1
			F32x4Add
			Set V1
			Get R1
			I32WrapI64
			F32Load $4
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V2
			F32x4Add
			Set V2
			Get V10
			Get V9
			F32x4Mul
			Get V3
			F32x4Add
			Set V3
			Get R1
			I32WrapI64
			F32Load $8
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V4
			F32x4Add
			Set V4
			Get V10
			Get V9
			F32x4Mul
			Get V5
			F32x4Add
			Set V5
			Get R1
			I32WrapI64
			F32Load $12
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V6
			F32x4Add
			Set V6
			Get V10
			Get V9
			F32x4Mul
			Get V7
			F32x4Add
			Set V7
			// step 1
			Get R2
			I32WrapI64
			V128Load $32
			Set V8
			Get R2
			I32WrapI64
			V128Load $48
			Set V9
			Get R1
			I32WrapI64
			F32Load $16
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V0
			F32x4Add
			Set V0
			Get V10
			Get V9
			F32x4Mul
			Get V1
			F32x4Add
			Set V1
			Get R1
			I32WrapI64
			F32Load $20
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V2
			F32x4Add
			Set V2
			Get V10
			Get V9
			F32x4Mul
			Get V3
			F32x4Add
			Set V3
			Get R1
			I32WrapI64
			F32Load $24
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V4
			F32x4Add
			Set V4
			Get V10
			Get V9
			F32x4Mul
			Get V5
			F32x4Add
			Set V5
			Get R1
			I32WrapI64
			F32Load $28
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V6
			F32x4Add
			Set V6
			Get V10
			Get V9
			F32x4Mul
			Get V7
			F32x4Add
			Set V7
			// step 2
			Get R2
			I32WrapI64
			V128Load $64
			Set V8
			Get R2
			I32WrapI64
			V128Load $80
			Set V9
			Get R1
			I32WrapI64
			F32Load $32
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V0
			F32x4Add
			Set V0
			Get V10
			Get V9
			F32x4Mul
			Get V1
			F32x4Add
			Set V1
			Get R1
			I32WrapI64
			F32Load $36
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V2
			F32x4Add
			Set V2
			Get V10
			Get V9
			F32x4Mul
			Get V3
			F32x4Add
			Set V3
			Get R1
			I32WrapI64
			F32Load $40
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V4
			F32x4Add
			Set V4
			Get V10
			Get V9
			F32x4Mul
			Get V5
			F32x4Add
			Set V5
			Get R1
			I32WrapI64
			F32Load $44
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V6
			F32x4Add
			Set V6
			Get V10
			Get V9
			F32x4Mul
			Get V7
			F32x4Add
			Set V7
			// step 3
			Get R2
			I32WrapI64
			V128Load $96
			Set V8
			Get R2
			I32WrapI64
			V128Load $112
			Set V9
			Get R1
			I32WrapI64
			F32Load $48
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V0
			F32x4Add
			Set V0
			Get V10
			Get V9
			F32x4Mul
			Get V1
			F32x4Add
			Set V1
			Get R1
			I32WrapI64
			F32Load $52
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V2
			F32x4Add
			Set V2
			Get V10
			Get V9
			F32x4Mul
			Get V3
			F32x4Add
			Set V3
			Get R1
			I32WrapI64
			F32Load $56
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V4
			F32x4Add
			Set V4
			Get V10
			Get V9
			F32x4Mul
			Get V5
			F32x4Add
			Set V5
			Get R1
			I32WrapI64
			F32Load $60
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V6
			F32x4Add
			Set V6
			Get V10
			Get V9
			F32x4Mul
			Get V7
			F32x4Add
			Set V7

			Get R1
			I64Const $64
			I64Add
			Set R1
			Get R2
			I64Const $128
			I64Add
			Set R2
			Get R0
			I64Const $4
			I64Sub
			Set R0
			Br $0
		End
		End
		Block
		Loop
			Get R0
			I64Eqz
			BrIf $1
			Get R2
			I32WrapI64
			V128Load $0
			Set V8
			Get R2
			I32WrapI64
			V128Load $16
			Set V9
			Get R1
			I32WrapI64
			F32Load $0
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V0
			F32x4Add
			Set V0
			Get V10
			Get V9
			F32x4Mul
			Get V1
			F32x4Add
			Set V1
			Get R1
			I32WrapI64
			F32Load $4
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V2
			F32x4Add
			Set V2
			Get V10
			Get V9
			F32x4Mul
			Get V3
			F32x4Add
			Set V3
			Get R1
			I32WrapI64
			F32Load $8
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V4
			F32x4Add
			Set V4
			Get V10
			Get V9
			F32x4Mul
			Get V5
			F32x4Add
			Set V5
			Get R1
			I32WrapI64
			F32Load $12
			F32x4Splat
			Tee V10
			Get V8
			F32x4Mul
			Get V6
			F32x4Add
			Set V6
			Get V10
			Get V9
			F32x4Mul
			Get V7
			F32x4Add
			Set V7
			Get R1
			I64Const $16
			I64Add
			Set R1
			Get R2
			I64Const $32
			I64Add
			Set R2
			Get R0
			I64Const $1
			I64Sub
			Set R0
			Br $0
		End
		End

		// The residual: V(i) += res[row i].
		Get R9
		I64Eqz
		I32Eqz
		If
			Get V0
			Get R9
			I32WrapI64
			V128Load $0
			F32x4Add
			Set V0
			Get V1
			Get R9
			I32WrapI64
			V128Load $16
			F32x4Add
			Set V1
			Get V2
			Get R9
			Get R10
			I64Add
			I32WrapI64
			V128Load $0
			F32x4Add
			Set V2
			Get V3
			Get R9
			Get R10
			I64Add
			I32WrapI64
			V128Load $16
			F32x4Add
			Set V3
			Get V4
			Get R9
			Get R10
			I64Const $1
			I64Shl
			I64Add
			I32WrapI64
			V128Load $0
			F32x4Add
			Set V4
			Get V5
			Get R9
			Get R10
			I64Const $1
			I64Shl
			I64Add
			I32WrapI64
			V128Load $16
			F32x4Add
			Set V5
			Get V6
			Get R9
			Get R10
			I64Const $3
			I64Mul
			I64Add
			I32WrapI64
			V128Load $0
			F32x4Add
			Set V6
			Get V7
			Get R9
			Get R10
			I64Const $3
			I64Mul
			I64Add
			I32WrapI64
			V128Load $16
			F32x4Add
			Set V7
			Get R9
			I64Const $32
			I64Add
			Set R9
		End

		// Relu/Clip: V8 = lo, V9 = hi.
		Get R6
		I32WrapI64
		I32Load8U $tileEpilogue_clamp
		If
			Get R6
			I32WrapI64
			F32Load $tileEpilogue_lo
			F32x4Splat
			Set V8
			Get R6
			I32WrapI64
			F32Load $tileEpilogue_hi
			F32x4Splat
			Set V9
			Get V0
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V0
			Get V1
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V1
			Get V2
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V2
			Get V3
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V3
			Get V4
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V4
			Get V5
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V5
			Get V6
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V6
			Get V7
			Get V8
			F32x4Max
			Get V9
			F32x4Min
			Set V7
		End

		// LeakyRelu/PRelu: v = max(v, 0) + s·min(v, 0), one slope per row (V8 = 0, V10 = slope).
		Get R6
		I32WrapI64
		I64Load $tileEpilogue_slope
		Tee R12
		I64Eqz
		I32Eqz
		If
			Get V11
			Set V8
			Get R12
			I32WrapI64
			F32Load $0
			F32x4Splat
			Set V10
			Get V0
			Get V8
			F32x4Max
			Get V10
			Get V0
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V0
			Get V1
			Get V8
			F32x4Max
			Get V10
			Get V1
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V1
			Get R12
			I32WrapI64
			F32Load $4
			F32x4Splat
			Set V10
			Get V2
			Get V8
			F32x4Max
			Get V10
			Get V2
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V2
			Get V3
			Get V8
			F32x4Max
			Get V10
			Get V3
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V3
			Get R12
			I32WrapI64
			F32Load $8
			F32x4Splat
			Set V10
			Get V4
			Get V8
			F32x4Max
			Get V10
			Get V4
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V4
			Get V5
			Get V8
			F32x4Max
			Get V10
			Get V5
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V5
			Get R12
			I32WrapI64
			F32Load $12
			F32x4Splat
			Set V10
			Get V6
			Get V8
			F32x4Max
			Get V10
			Get V6
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V6
			Get V7
			Get V8
			F32x4Max
			Get V10
			Get V7
			Get V8
			F32x4Min
			F32x4Mul
			F32x4Add
			Set V7
		End

		// Store the tile.
		Get R3
		I32WrapI64
		Get V0
		V128Store $0
		Get R3
		I64Const $16
		I64Add
		I32WrapI64
		Get V1
		V128Store $0
		Get R3
		Get R4
		I64Add
		I32WrapI64
		Get V2
		V128Store $0
		Get R3
		Get R4
		I64Add
		I64Const $16
		I64Add
		I32WrapI64
		Get V3
		V128Store $0
		Get R3
		Get R4
		I64Const $1
		I64Shl
		I64Add
		I32WrapI64
		Get V4
		V128Store $0
		Get R3
		Get R4
		I64Const $1
		I64Shl
		I64Add
		I64Const $16
		I64Add
		I32WrapI64
		Get V5
		V128Store $0
		Get R3
		Get R4
		I64Const $3
		I64Mul
		I64Add
		I32WrapI64
		Get V6
		V128Store $0
		Get R3
		Get R4
		I64Const $3
		I64Mul
		I64Add
		I64Const $16
		I64Add
		I32WrapI64
		Get V7
		V128Store $0

		// Next tile: C moves 8 floats right, B to the next panel (k·32 bytes on).
		Get R3
		I64Const $32
		I64Add
		Set R3
		Get R7
		Get R8
		I64Const $5
		I64Shl
		I64Add
		Set R7
		Get R5
		I64Const $1
		I64Sub
		Set R5
		Br $0
	End
	End
	RET
