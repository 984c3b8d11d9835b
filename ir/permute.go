// permute.go: transposing shapes and constant data by an axis permutation
// (TRANSPOSE's semantics), shared by the ONNX frontend and the layout pass.

package ir

// PermuteShape returns the shape whose axis i is s's axis perm[i].
func PermuteShape(s Shape, perm []int) Shape {
	out := make(Shape, len(perm))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}

// PermuteData transposes the row-major data of a tensor of shape s with
// elements of esz bytes: output axis i is input axis perm[i].
func PermuteData(data []byte, s Shape, perm []int, esz int) []byte {
	out := make([]byte, len(data))
	os := PermuteShape(s, perm)
	ist := s.Strides()
	n := s.Elements()
	idx := make([]int, len(os))
	for o := 0; o < n; o++ {
		src := 0
		for i, p := range perm {
			src += idx[i] * ist[p]
		}
		copy(out[o*esz:(o+1)*esz], data[src*esz:(src+1)*esz])
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < os[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}
