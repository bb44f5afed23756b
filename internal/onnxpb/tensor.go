package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// NumElements is the product of the tensor's dims: a *FormatError when a dim is negative, an
// *errs.LimitError when the product exceeds limit.
func (t *Tensor) NumElements(limit int64) (int64, error) {
	n := int64(1)
	over := false
	for _, d := range t.Dims {
		if d < 0 {
			return 0, t.formatErr("negative dimension in %v", t.Dims)
		}
		if d != 0 && n > limit/d {
			over = true // keep going: a zero or negative dim later still decides
			n = limit + 1
			continue
		}
		n *= d
	}
	if over || n > limit {
		got := int64(1)
		for _, d := range t.Dims { // saturating product, for the message
			if d != 0 && got > math.MaxInt64/d {
				got = math.MaxInt64
				break
			}
			got *= d
		}
		return 0, &errs.LimitError{Where: "onnx", What: fmt.Sprintf("element count of tensor %q %v", t.Name, t.Dims), Got: got, Limit: limit}
	}
	return n, nil
}

func (t *Tensor) formatErr(format string, args ...any) error {
	return &FormatError{Path: fmt.Sprintf("tensor %q", t.Name), Msg: fmt.Sprintf(format, args...)}
}

// storedElements counts the elements actually present in whichever data field is used.
func (t *Tensor) storedElements() (int64, error) {
	if t.RawData != nil {
		sz := t.DataType.Size()
		if sz == 0 {
			return 0, &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q: raw data for type %v", t.Name, t.DataType)}
		}
		if len(t.RawData)%sz != 0 {
			return 0, t.formatErr("%d raw bytes is not a whole number of %v elements", len(t.RawData), t.DataType)
		}
		return int64(len(t.RawData) / sz), nil
	}
	switch t.DataType {
	case Float:
		return int64(len(t.FloatData)), nil
	case Int32, Int16, Int8, Uint16, Uint8, Bool, Float16, BFloat16:
		return int64(len(t.Int32Data)), nil
	case Int64:
		return int64(len(t.Int64Data)), nil
	case Double:
		return int64(len(t.DoubleData)), nil
	case Uint32, Uint64:
		return int64(len(t.Uint64Data)), nil
	case Complex64:
		return int64(len(t.FloatData) / 2), nil
	case Complex128:
		return int64(len(t.DoubleData) / 2), nil
	case String:
		return int64(len(t.StringData)), nil
	}
	return 0, &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q has unknown data type %v", t.Name, t.DataType)}
}

// CheckData verifies that the stored data holds exactly as many elements as the dims say.
func (t *Tensor) CheckData(limit int64) (int64, error) {
	want, err := t.NumElements(limit)
	if err != nil {
		return 0, err
	}
	if t.External {
		return 0, &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q keeps its data in an external file, which bonafide does not read", t.Name)}
	}
	if t.HasSegment {
		return 0, &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q is segmented, which bonafide does not support", t.Name)}
	}
	got, err := t.storedElements()
	if err != nil {
		return 0, err
	}
	if got != want {
		return 0, t.formatErr("dims %v need %d elements, the data holds %d", t.Dims, want, got)
	}
	return want, nil
}

// Float32s returns the data as float32, converting FLOAT16, BFLOAT16, DOUBLE and the integer types.
// Call CheckData first.
func (t *Tensor) Float32s() ([]float32, error) {
	n, err := t.storedElements()
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	raw := t.RawData
	switch t.DataType {
	case Float:
		if raw == nil {
			copy(out, t.FloatData)
			break
		}
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case Float16, BFloat16:
		for i := range out {
			var h uint16
			if raw != nil {
				h = binary.LittleEndian.Uint16(raw[2*i:])
			} else {
				h = uint16(t.Int32Data[i])
			}
			if t.DataType == Float16 {
				out[i] = HalfToFloat32(h)
			} else {
				out[i] = math.Float32frombits(uint32(h) << 16)
			}
		}
	case Double:
		for i := range out {
			if raw != nil {
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			} else {
				out[i] = float32(t.DoubleData[i])
			}
		}
	default:
		ints, err := t.Int64s()
		if err != nil {
			return nil, err
		}
		for i, v := range ints {
			out[i] = float32(v)
		}
	}
	return out, nil
}

// Int64s returns integer data (INT8/16/32/64, UINT8/16/32/64, BOOL) widened to int64.
func (t *Tensor) Int64s() ([]int64, error) {
	n, err := t.storedElements()
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	raw := t.RawData
	switch t.DataType {
	case Int64:
		if raw == nil {
			copy(out, t.Int64Data)
			break
		}
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case Uint64, Uint32:
		for i := range out {
			switch {
			case raw == nil:
				out[i] = int64(t.Uint64Data[i])
			case t.DataType == Uint64:
				out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			default:
				out[i] = int64(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
	case Int32, Int16, Int8, Uint16, Uint8, Bool:
		for i := range out {
			if raw == nil {
				v := t.Int32Data[i]
				switch t.DataType {
				case Uint8:
					out[i] = int64(uint8(v))
				case Int8:
					out[i] = int64(int8(v))
				case Uint16:
					out[i] = int64(uint16(v))
				case Int16:
					out[i] = int64(int16(v))
				default:
					out[i] = int64(v)
				}
				continue
			}
			switch t.DataType {
			case Int32:
				out[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			case Int16:
				out[i] = int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
			case Uint16:
				out[i] = int64(binary.LittleEndian.Uint16(raw[2*i:]))
			case Int8:
				out[i] = int64(int8(raw[i]))
			default: // Uint8, Bool
				out[i] = int64(raw[i])
			}
		}
	default:
		return nil, &errs.UnsupportedError{Where: "onnx", Reason: fmt.Sprintf("tensor %q of type %v is not an integer tensor", t.Name, t.DataType)}
	}
	return out, nil
}

// NewFloatTensor returns a FLOAT tensor with its data in raw_data.
func NewFloatTensor(name string, dims []int64, data []float32) *Tensor {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &Tensor{Name: name, Dims: append([]int64(nil), dims...), DataType: Float, RawData: raw}
}

// NewInt8Tensor returns an INT8 tensor with its data in raw_data.
func NewInt8Tensor(name string, dims []int64, data []int8) *Tensor {
	raw := make([]byte, len(data))
	for i, v := range data {
		raw[i] = byte(v)
	}
	return &Tensor{Name: name, Dims: append([]int64(nil), dims...), DataType: Int8, RawData: raw}
}

// NewInt64Tensor returns an INT64 tensor with its data in raw_data.
func NewInt64Tensor(name string, dims []int64, data []int64) *Tensor {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return &Tensor{Name: name, Dims: append([]int64(nil), dims...), DataType: Int64, RawData: raw}
}

// HalfToFloat32 converts an IEEE 754 binary16 value.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
