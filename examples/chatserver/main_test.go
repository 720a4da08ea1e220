package chatserver_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain runs the tests, then checks that every goroutine they started
// has ended: the server's connection, writer and kill goroutines, and
// anything the streams started.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if n := settle(before, 5*time.Second); n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "%d goroutines left behind (%d before the tests):\n%s\n", n-before, before, buf)
			code = 1
		}
	}
	os.Exit(code)
}

// settle waits, up to d, for the number of goroutines to fall to want,
// and returns the last count: goroutines that have been told to end may
// take a moment to return.
func settle(want int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}
