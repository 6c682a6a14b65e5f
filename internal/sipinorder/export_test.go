package sipinorder

// Len is how many requests are lined up: the tests' view of the line.
func (l *Requests) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiting)
}
