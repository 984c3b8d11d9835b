package hostile

// arithmeticCases returns the crafted models of class Arithmetic.
func arithmeticCases() ([]Case, error) {
	return nil, nil
}
