// Package version holds the version of Homeplane's binaries, set at link time:
// -ldflags "-X github.com/homeplane/homeplane/internal/version.Version=v0.1.0".
package version

// Version of this build.
var Version = "v0.0.0-dev"
