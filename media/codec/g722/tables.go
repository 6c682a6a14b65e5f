package g722

// The constants below are the tables of ITU-T G.722 (1988), §4 and §6.

// qmf holds the even-indexed taps h0, h2, … h22 of the 24-tap QMF; the
// filter is symmetric, so the odd taps h1, h3, … h23 are qmf read backwards.
var qmf = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}

// q6 holds the lower sub-band decision levels (QUANTL), to be scaled by det.
var q6 = [30]int32{
	0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650,
	714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195,
	2557, 2919,
}

// codeNeg and codePos give the 6-bit lower sub-band code for the decision
// interval found by QUANTL, for a negative and a non-negative difference.
var codeNeg = [31]int32{
	0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
	15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
}

var codePos = [31]int32{
	0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44,
	43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
}

// qm4 is the 4-bit inverse quantiser (INVQAL) used in the predictor loop
// of the lower band, indexed by the code's top four bits.
var qm4 = [16]int32{
	0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
	20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
}

// qm6 is the 6-bit inverse quantiser (INVQBL, mode 1) that reconstructs the
// lower band in the decoder.
var qm6 = [64]int32{
	-136, -136, -136, -136, -24808, -21904, -19008, -16704,
	-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
	-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
	-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
	24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
	10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
	4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
	1688, 1360, 1040, 728, 432, 136, -432, -136,
}

// mag4 maps the 4-bit code to its magnitude class for LOGSCL.
var mag4 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}

// wl is the lower-band log scale factor multiplier (LOGSCL).
var wl = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}

// ilb is the inverse log table used by SCALEL and SCALEH.
var ilb = [32]int32{
	2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599,
	2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
	3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
}

// qm2 is the 2-bit higher sub-band inverse quantiser (INVQAH).
var qm2 = [4]int32{-7408, -1616, 7408, 1616}

// mag2 maps the 2-bit code to its magnitude class for LOGSCH, and wh is the
// higher-band log scale factor multiplier.
var (
	mag2 = [4]int32{2, 1, 2, 1}
	wh   = [3]int32{0, -214, 798}
)

const (
	nbMaxLow  = 18432 // LOGSCL upper limit
	nbMaxHigh = 22528 // LOGSCH upper limit
	detLow0   = 32    // initial lower-band scale factor
	detHigh0  = 8     // initial higher-band scale factor
)
