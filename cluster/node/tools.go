//go:build tools

// Package tools pins what each real node runs beside kubelet: containerd v2 with its runc
// shim and ctr, and CoreDNS as the cluster DNS, so that `go mod tidy` keeps their
// dependencies in go.sum.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
	_ "github.com/coredns/coredns"
)
