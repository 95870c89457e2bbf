//go:build tools

// Package tools pins the package whose tests run.sh compiles with gatewarden_conversion_test.go overlaid.
package tools

import _ "istio.io/istio/pilot/pkg/config/kube/gateway"
