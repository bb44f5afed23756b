//go:build !unix

package hostile

import "time"

// cpuTime is not available in the browser; Measure falls back to the calibrated wall clock.
func cpuTime() (time.Duration, bool) { return 0, false }
