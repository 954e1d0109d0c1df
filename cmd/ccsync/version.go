package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/ccsync/ccsync/forward/syslog"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func init() {
	syslog.Version = version // CEF headers name the ccsync that sent them
	register(command{name: "version", summary: "print the version", run: func(_ context.Context, _ []string, io stdio) error {
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Fprintf(io.out, "ccsync %s\n", v)
		return nil
	}})
}
