package main

import "github.com/bonafide-pad/bonafide/models"

// defaultModel returns the built-in default model's bytes.
func defaultModel() ([]byte, error) {
	if len(models.Default) == 0 {
		return nil, errNoDefaultModel
	}
	return models.Default, nil
}
