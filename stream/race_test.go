//go:build race

package stream

// raceEnabled reports a build with the race detector, under which
// sync.Pool drops items at random: allocation counts do not hold.
const raceEnabled = true
