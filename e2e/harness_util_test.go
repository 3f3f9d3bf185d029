package e2e

import (
	"errors"
	"os/exec"
	"sort"
)

func asExit(err error, ee **exec.ExitError) bool { return errors.As(err, ee) }

// seq returns 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
