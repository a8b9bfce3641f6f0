package main

import (
	"errors"
	"fmt"
	"testing"
)

func TestIPAllocatorValidatesPrefix(t *testing.T) {
	for _, bad := range []string{"", "10.0.0", "127.0", "127.0.0.1", "127.300.1", "127.a.1"} {
		if _, err := newIPAllocator(bad, 1); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
	if _, err := newIPAllocator("127.20.3", 1); err != nil {
		t.Fatal(err)
	}
}

func TestIPAllocator(t *testing.T) {
	a, _ := newIPAllocator("127.20.3", 1)
	ip1, err := a.Allocate("pod-1", "")
	if err != nil || ip1 != "127.20.3.2" {
		t.Fatalf("first IP = %q, %v", ip1, err)
	}
	if again, _ := a.Allocate("pod-1", ""); again != ip1 {
		t.Fatalf("same owner got a second IP %q", again)
	}
	ip2, _ := a.Allocate("pod-2", "")
	if ip2 != "127.20.3.3" {
		t.Fatalf("second IP = %q", ip2)
	}
	// A preferred address (from the pod's status) is honoured when free...
	if ip, _ := a.Allocate("pod-3", "127.20.3.100"); ip != "127.20.3.100" {
		t.Fatalf("preferred IP not used: %q", ip)
	}
	// ...and ignored when taken or outside the range.
	if ip, _ := a.Allocate("pod-4", "127.20.3.2"); ip == "127.20.3.2" {
		t.Fatal("preferred IP handed out twice")
	}
	if ip, _ := a.Allocate("pod-5", "127.9.9.9"); ip == "127.9.9.9" {
		t.Fatal("IP outside the prefix handed out")
	}
	// Released addresses are not reused at once (round robin).
	a.Release("pod-1")
	a.Release("pod-1")
	if ip, _ := a.Allocate("pod-6", ""); ip == ip1 {
		t.Fatalf("released IP %s reused immediately", ip1)
	}
}

func TestIPAllocatorExhaustion(t *testing.T) {
	a, _ := newIPAllocator("127.20.4", 1)
	allocateDistinct(t, a, 253)
	if _, err := a.Allocate("one-too-many", ""); !errors.Is(err, errNoFreeIP) {
		t.Fatalf("want errNoFreeIP, got %v", err)
	}
	a.Release("pod-17")
	if ip, err := a.Allocate("one-too-many", ""); err != nil || ip != "127.20.4.19" {
		t.Fatalf("after release got %q, %v", ip, err)
	}
}

func TestIPAllocatorValidatesBlocks(t *testing.T) {
	for _, bad := range []int{0, -1} {
		if _, err := newIPAllocator("127.20.3", bad); err == nil {
			t.Errorf("%d blocks accepted", bad)
		}
	}
	// 127.20.250 .. 127.20.255 is six blocks; a seventh would leave 127.20.
	if _, err := newIPAllocator("127.20.250", 6); err != nil {
		t.Fatal(err)
	}
	if _, err := newIPAllocator("127.20.250", 7); err == nil {
		t.Error("blocks past 127.20.255 accepted")
	}
}

func TestIPAllocatorBlocks(t *testing.T) {
	const blocks = 8
	a, _ := newIPAllocator("127.20.8", blocks)
	ips := allocateDistinct(t, a, blocks*hostsPerBlock)
	for i, ip := range ips {
		// Block by block, in order, never the .0/.1/.255 host parts.
		want := fmt.Sprintf("127.20.%d.%d", 8+i/hostsPerBlock, firstHostOctet+i%hostsPerBlock)
		if ip != want {
			t.Fatalf("allocation %d = %s, want %s", i, ip, want)
		}
	}
	if len(ips) != 2024 {
		t.Fatalf("%d addresses, want 2024", len(ips))
	}
	if _, err := a.Allocate("one-too-many", ""); !errors.Is(err, errNoFreeIP) {
		t.Fatalf("want errNoFreeIP, got %v", err)
	}
	// A preferred address in a later block is honoured once free again...
	a.Release("pod-1000")
	if ip, err := a.Allocate("again", "127.20.11.243"); err != nil || ip != "127.20.11.243" {
		t.Fatalf("preferred in block 4 got %q, %v", ip, err)
	}
	// ...one just past the last block is not ours.
	b, _ := newIPAllocator("127.20.8", 2)
	if ip, _ := b.Allocate("p", "127.20.10.5"); ip == "127.20.10.5" {
		t.Fatal("IP past the last block handed out")
	}
	if ip, _ := b.Allocate("q", "127.20.9.254"); ip != "127.20.9.254" {
		t.Fatalf("last address of the last block not honoured: %q", ip)
	}
}

// allocateDistinct allocates n addresses to pods pod-0..pod-n-1, failing on
// any error or repeated address, and returns them in allocation order.
func allocateDistinct(t *testing.T, a *ipAllocator, n int) []string {
	t.Helper()
	seen := map[string]bool{}
	var ips []string
	for i := 0; i < n; i++ {
		ip, err := a.Allocate(fmt.Sprint("pod-", i), "")
		if err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		if seen[ip] {
			t.Fatalf("duplicate %s", ip)
		}
		seen[ip] = true
		ips = append(ips, ip)
	}
	return ips
}
