package hostile

// structureCases returns the crafted models of class Structure.
func structureCases() ([]Case, error) {
	return nil, nil
}
