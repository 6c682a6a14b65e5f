// Package tone makes and recognises the sounds of a phone call.
//
// Making: call-progress tones (dial, ringback, busy, congestion, call
// waiting, confirmation, …) for the fourteen countries of
// voip/regional_settings/selected_country, or the administrator's own tones
// from voip/regional_settings/call_progress_tones/{0..9}/* when
// use_config_file_values=1 (manual §3.3.5.1); the built-in ring tones
// Ring01-Ring11; uploaded WAV ring tones; DTMF digits; and distinctive
// ringing selection. A Generator plays any Tone as 16-bit PCM at 8 or
// 16 kHz.
//
// Recognising: a Goertzel filter measures the level of one frequency, and
// Cadence turns a recording into on/off runs of it; a DTMF detector reads
// digits. Tests use them to prove what a party really heard.
//
// # Levels
//
// Levels are in dBm0, the digital milliwatt of G.711: a sine at 0 dBm0 has
// a peak of 22768 in 16-bit PCM (full scale is +3.17 dBm0 for µ-law).
//
// # Sources of the country tones
//
// The frequencies and cadences of the built-in tones are the national
// values published in the ITU-T E.180 Supplement 2 list "Various tones used
// in national networks" (as updated by the ITU Operational Bulletins), in
// the form open-source PBXs also tabulate them. The Recommendation does not
// fix a confirmation or stutter tone for every country; where a country
// lists none, three 100 ms bursts of its dial-tone frequency (confirmation)
// and 100/100 ms interruptions before a steady dial tone (stutter) are used.
package tone
