// Package compose is the contract between the function's gRPC server and the
// per-app composers (fn/postgres, fn/matrix, fn/collabora).
//
// A Composer is pure Go: it reads the typed spec of the observed composite and
// the observed composed resources from a Request and returns typed desired
// objects in a Result. The server turns the Result into a RunFunctionResponse.
// Composers never see protobuf, and never talk to the network.
package compose
