package main

// defaultModel returns the built-in default model's bytes.
func defaultModel() ([]byte, error) { return nil, errNoDefaultModel }
