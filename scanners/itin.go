package scanners

import "github.com/ccsync/ccsync/model"

// scanITIN reports an Individual Taxpayer Identification Number, already
// shaped like an SSN with area 9xx by scanSSN. The IRS assigns the group
// (fourth and fifth digits) from 50–65, 70–88, 90–92 and 94–99; other 9xx
// numbers are neither ITINs nor SSNs.
func scanITIN(c *collector, start, end, group int) int {
	if !itinGroup(group) {
		if c.verbose {
			c.add("itin", model.SeverityCritical, "us-itin", start, end, prioSpecific, preview{kind: pvDigits}, "invalid:itin-group")
		}
		return start
	}
	c.add("itin", model.SeverityCritical, "us-itin", start, end, prioSpecific, preview{kind: pvDigits}, "")
	return end
}

func itinGroup(g int) bool {
	return g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94 && g <= 99
}
