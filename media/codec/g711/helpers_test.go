package g711_test

import "math"

func sine(cycles float64) float64 { return math.Sin(2 * math.Pi * cycles) }
