package forward

import (
	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/hec"
	"github.com/ccsync/ccsync/forward/loki"
	"github.com/ccsync/ccsync/forward/slack"
	"github.com/ccsync/ccsync/forward/syslog"
	"github.com/ccsync/ccsync/forward/webhook"
	"github.com/ccsync/ccsync/model"
)

// kinds is every destination kind ccsync can forward to, by model.Dest*.
// A new kind is a package beside forward/webhook and one line here.
var kinds = map[string]dest.Kind{
	model.DestWebhook: webhook.Kind,
	model.DestSlack:   slack.Kind,
	model.DestHEC:     hec.Kind,
	model.DestLoki:    loki.Kind,
	model.DestSyslog:  syslog.Kind,
}
