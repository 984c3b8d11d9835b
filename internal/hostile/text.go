package hostile

// textCases returns the crafted models of class TextInjection.
func textCases() ([]Case, error) {
	return nil, nil
}
