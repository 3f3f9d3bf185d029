//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package console

// isTerminal reports false: on this platform the view always runs in plain
// mode unless [WithTerminal] says otherwise.
func isTerminal(uintptr) bool { return false }

// termWidth returns 0: unknown.
func termWidth(uintptr) int { return 0 }
