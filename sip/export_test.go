package sip

// StackMade reports whether u has made sipgo's stack, which a UA on a
// shared socket makes only once something needs it.
func StackMade(u *UA) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sua != nil
}
