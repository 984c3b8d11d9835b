// avr.go: the avr kernel set: kernels for 8-bit AVR that read their
// constants through tg_port.h's TG_READ_* macros (pgm_read_* when the
// constants are in flash), chosen by the arduino-uno target.

package kernels

import (
	"embed"
	"io/fs"

	"github.com/tinygen/tinygen/ir"
)

//go:embed avr/*.c avr/*.h
var avrSources embed.FS

// AVR is the name of the kernel set for 8-bit AVR.
const AVR = "avr"

// avrSet returns the avr set: FULLY_CONNECTED int8 for now; every other
// op falls back to the reference kernels (whose constants must then stay
// in RAM: see FlashReadable).
func avrSet() Set {
	files, err := fs.Sub(avrSources, AVR)
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	return Set{
		Name:        AVR,
		Description: "8-bit AVR: constants read through TG_READ_* (PROGMEM), 8 x 8-bit products, requantisation without 64-bit shifts",
		Files:       files,
		Header:      "tg_avr.h",
		Kernels: []Kernel{{
			Symbol:      "tg_fully_connected_s8_avr",
			Set:         AVR,
			Ops:         []ir.OpKind{ir.FullyConnected},
			Types:       "int8",
			ParamsType:  "tg_fully_connected_s8_params_t",
			Specialises: "tg_fully_connected_s8",
			Specialise:  specialiseFCAVR,
		}},
	}
}

// maxAVROffset bounds the input and filter offsets the avr
// fully-connected kernel accepts: int8 + offset must fit int16.
const maxAVROffset = 32767 - 127

// specialiseFCAVR runs every op the reference kernel runs, with its
// parameters and arguments, when its offsets keep int8 + offset within
// int16 (the kernel multiplies 16 x 16 -> 32 bits).
func specialiseFCAVR(_ *ir.Op, ref Call) (Call, bool, error) {
	for _, f := range ref.Params.Fields {
		if f.Name != "input_offset" && f.Name != "filter_offset" {
			continue
		}
		v, ok := f.Value.(Int)
		if !ok || v > maxAVROffset || v < -maxAVROffset {
			return Call{}, false, nil
		}
	}
	return Call{Params: ref.Params, Args: ref.Args}, true, nil
}

// FlashReadable reports whether a kernel reads its constants through
// TG_READ_* (the avr set), so that they may live in AVR flash.
func FlashReadable(set string) bool { return set == AVR }
