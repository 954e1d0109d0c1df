package scanners

// Version names the detection engine's behaviour: which detectors exist and
// how they validate. Bump it whenever a detector is added or changed so that
// stored findings record what produced them and `ccsync rescan` can find
// messages scanned by an older engine.
const Version = "2026.12.1"
