package otelstep

// SetDirect switches the direct emission of step messages on or off, for
// the benchmark that shows what it saves and the test that pins it; the
// returned func restores the previous setting.
func SetDirect(on bool) (restore func()) {
	old := directOn
	directOn = on
	return func() { directOn = old }
}

// OnDirect makes f run at every direct emission until restore is called.
func OnDirect(f func()) (restore func()) {
	old := testHookDirect
	testHookDirect = f
	return func() { testHookDirect = old }
}
