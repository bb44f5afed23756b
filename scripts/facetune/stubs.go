package main

func quality(args []string) error { return nil }
func roll(args []string) error    { return nil }
