package forward

import (
	"github.com/ccsync/ccsync/forward/dest"
)

// kinds is every destination kind ccsync can forward to, by model.Dest*.
// A new kind is a package beside forward/webhook and one line here.
var kinds = map[string]dest.Kind{}
