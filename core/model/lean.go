//go:build bonafide_lean

package model

type denseState struct{}

func (s *Runner) initDense() {}
