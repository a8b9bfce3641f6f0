package main

import (
	"flag"
	"io"
	"log"
	"os"
	"testing"
)

// The agent logs every pod transition; keep `go test` output readable
// unless -v is given.
func TestMain(m *testing.M) {
	if isMountHelper() {
		runMountHelper() // tests start containers through their own binary
	}
	flag.Parse()
	if !testing.Verbose() {
		log.SetOutput(io.Discard)
	}
	os.Exit(m.Run())
}

func TestAPIServerPort(t *testing.T) {
	cases := map[string]string{
		"https://127.0.0.1:6443": "6443",
		"https://127.0.0.1":      "443",
		"http://127.0.0.1":       "80",
	}
	for host, want := range cases {
		if got, err := apiServerPort(host); err != nil || got != want {
			t.Errorf("apiServerPort(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
}
