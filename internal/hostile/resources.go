package hostile

// resourceCases returns the crafted models of class Resources.
func resourceCases() ([]Case, error) {
	return nil, nil
}
