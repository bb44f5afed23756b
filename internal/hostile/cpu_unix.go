//go:build unix

package hostile

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time: what a call costs whatever else the machine
// is doing (the development machine is shared, and wall-clock times on it move by 10×).
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
