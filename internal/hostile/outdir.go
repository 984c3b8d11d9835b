package hostile

// outputFolderCases returns the crafted models of class OutputFolder.
func outputFolderCases() ([]Case, error) {
	return nil, nil
}
