// Command fn is Homeplane's composition function: it serves Crossplane's
// RunFunction gRPC API and composes XPostgreSQL, XMatrixServer and XCollabora.
package main

import (
	"fmt"

	"github.com/alecthomas/kong"
	sdk "github.com/crossplane/function-sdk-go"
	grpcprometheus "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"

	"github.com/homeplane/homeplane/fn/function"
	"github.com/homeplane/homeplane/internal/version"
)

// CLI of this function.
type CLI struct {
	Debug bool `short:"d" help:"Emit debug logs in addition to info logs."`

	Network            string           `help:"Network on which to listen for gRPC connections." default:"tcp"`
	Address            string           `help:"Address at which to listen for gRPC connections." default:":9443"`
	TLSCertsDir        string           `help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)." env:"TLS_SERVER_CERTS_DIR"`
	Insecure           bool             `help:"Run without mTLS credentials. If you supply this flag --tls-certs-dir will be ignored."`
	MaxRecvMessageSize int              `help:"Maximum size of received messages in MB." default:"4"`
	MetricsAddress     string           `help:"Address at which to serve Prometheus metrics on /metrics (gRPC calls and their handling time); empty turns them off." default:":8080"`
	Version            kong.VersionFlag `help:"Print the version and exit."`
}

// Run this function.
func (c *CLI) Run() error {
	log, err := sdk.NewLogger(c.Debug)
	if err != nil {
		return fmt.Errorf("cannot create logger: %w", err)
	}
	log.Info("Starting Homeplane function", "version", version.Version, "address", c.Address, "insecure", c.Insecure)
	return sdk.Serve(function.New(log),
		sdk.Listen(c.Network, c.Address),
		sdk.MTLSCertificates(c.TLSCertsDir),
		sdk.Insecure(c.Insecure),
		sdk.MaxRecvMessageSize(c.MaxRecvMessageSize*1024*1024),
		sdk.WithMetricsServer(c.MetricsAddress),
		// RunFunction latency as a histogram: what make scale reports.
		sdk.WithMetricsServerOpts(grpcprometheus.WithServerHandlingTimeHistogram()))
}

func main() {
	ctx := kong.Parse(&CLI{},
		kong.Name("homeplane-function"),
		kong.Description("Homeplane's Crossplane composition function."),
		kong.Vars{"version": version.Version})
	ctx.FatalIfErrorf(ctx.Run())
}
