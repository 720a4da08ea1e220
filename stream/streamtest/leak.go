package streamtest

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// LeakGrace is how long Main waits for goroutines that were told to end
// to return before it reports them as left behind.
const LeakGrace = 5 * time.Second

// Main runs m's tests, then checks that every goroutine they started has
// ended — the library's Serve workers and SendIQ readers, a server's
// connection goroutines — and fails the run, printing every stack, if some
// are still running after LeakGrace. Call it from a package's TestMain:
//
//	func TestMain(m *testing.M) { streamtest.Main(m) }
//
// It does not check a fuzzing run (-fuzz), whose coordinator and workers
// keep goroutines of their own. It calls os.Exit.
func Main(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 && !fuzzing() {
		if n := settle(before, LeakGrace); n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "streamtest: %d goroutines left behind (%d before the tests):\n%s\n", n-before, before, buf)
			code = 1
		}
	}
	os.Exit(code)
}

// fuzzing reports whether the test binary runs as a fuzzing coordinator
// or worker.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil {
			if v := f.Value.String(); v != "" && v != "false" {
				return true
			}
		}
	}
	return false
}

// settle waits, up to d, for the number of goroutines to fall to want,
// and returns the last count. Goroutines that have been told to end may
// take a moment to return, so this polls a bounded time: it checks for
// leaks, it does not wait for an event.
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
