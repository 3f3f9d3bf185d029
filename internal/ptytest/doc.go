// Package ptytest opens pseudo-terminals for tests that need a real
// terminal. It is for tests only, and works on Linux only (Linux's
// /dev/ptmx); elsewhere it holds nothing.
package ptytest
