//go:build !amd64 || purego

package stanza

// scHasAVX2 reports whether scanTextAVX2 may be used: only on amd64,
// without the build tag purego.
const scHasAVX2 = false

// scanTextRunAVX2 is not used without AVX2.
func scanTextRunAVX2(o, b []byte) (int, int) { return scanTextRunGo(o, b) }
