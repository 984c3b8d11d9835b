// avr_test.go: the avr set's selection rule.

package kernels

import "testing"

func TestSpecialiseFCAVR(t *testing.T) {
	params := func(in, filter int64) Call {
		return Call{Params: Struct{Type: "tg_fully_connected_s8_params_t", Fields: []Field{
			{Name: "input_offset", Value: Int(in)}, {Name: "filter_offset", Value: Int(filter)}}}}
	}
	tests := []struct {
		in, filter int64
		want       bool
	}{
		{128, 0, true}, {-127, 0, true}, {maxAVROffset, -maxAVROffset, true},
		{maxAVROffset + 1, 0, false}, {0, -maxAVROffset - 1, false},
	}
	for _, tc := range tests {
		_, ok, err := specialiseFCAVR(nil, params(tc.in, tc.filter))
		if err != nil || ok != tc.want {
			t.Errorf("offsets %d, %d: ok %v err %v, want %v", tc.in, tc.filter, ok, err, tc.want)
		}
	}
}
