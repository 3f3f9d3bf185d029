//go:build linux

package console

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TCGETS
