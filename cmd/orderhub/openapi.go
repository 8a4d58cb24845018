package main

import (
	"fmt"
	"io"

	"orderhub/internal/server"
)

// openAPICmd prints the composed API description (the document GET
// /openapi.json serves), so that CI can lint it without a running server.
func openAPICmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: orderhub openapi > openapi.json")
		return 2
	}
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		fmt.Fprintln(stderr, "orderhub openapi:", err)
		return 1
	}
	if _, err := stdout.Write(doc); err != nil {
		fmt.Fprintln(stderr, "orderhub openapi:", err)
		return 1
	}
	return 0
}
