package main

// Every address in 127.0.0.0/8 reaches loopback on Linux without any setup,
// so each pod gets one of its own and pods never collide on ports.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

const (
	firstHostOctet = 2   // .1 is left alone: it reads like a gateway
	lastHostOctet  = 254 // .255 is left alone: it reads like a broadcast
)

type ipAllocator struct {
	prefix string // "127.A.B"

	mu      sync.Mutex
	byOwner map[string]int // owner (pod UID) -> last octet
	used    map[int]string // last octet -> owner
	next    int            // round-robin cursor, so a freed address is not handed out again at once
}

var errNoFreeIP = fmt.Errorf("no free pod IP")

func newIPAllocator(prefix string) (*ipAllocator, error) {
	parts := strings.Split(prefix, ".")
	if len(parts) != 3 || parts[0] != "127" {
		return nil, fmt.Errorf("--ip-prefix %q: want 127.A.B", prefix)
	}
	for _, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return nil, fmt.Errorf("--ip-prefix %q: %q is not an octet", prefix, p)
		}
	}
	return &ipAllocator{
		prefix:  prefix,
		byOwner: map[string]int{},
		used:    map[int]string{},
		next:    firstHostOctet,
	}, nil
}

func (a *ipAllocator) ip(octet int) string { return a.prefix + "." + strconv.Itoa(octet) }

// octetOf returns the last octet of ip if it lies in our range.
func (a *ipAllocator) octetOf(ip string) (int, bool) {
	rest, ok := strings.CutPrefix(ip, a.prefix+".")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < firstHostOctet || n > lastHostOctet {
		return 0, false
	}
	return n, true
}

// Allocate returns owner's address, giving it preferred (e.g. the IP in the
// pod's status from before an agent restart) when that is free.
func (a *ipAllocator) Allocate(owner, preferred string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n, ok := a.byOwner[owner]; ok {
		return a.ip(n), nil
	}
	if n, ok := a.octetOf(preferred); ok {
		if _, taken := a.used[n]; !taken {
			a.take(owner, n)
			return a.ip(n), nil
		}
	}
	span := lastHostOctet - firstHostOctet + 1
	for i := 0; i < span; i++ {
		n := firstHostOctet + (a.next-firstHostOctet+i)%span
		if _, taken := a.used[n]; !taken {
			a.take(owner, n)
			a.next = n + 1
			return a.ip(n), nil
		}
	}
	return "", fmt.Errorf("%w: all of %s.%d-%d are in use", errNoFreeIP, a.prefix, firstHostOctet, lastHostOctet)
}

func (a *ipAllocator) take(owner string, n int) {
	a.byOwner[owner] = n
	a.used[n] = owner
}

// Release frees owner's address; releasing twice is harmless.
func (a *ipAllocator) Release(owner string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n, ok := a.byOwner[owner]; ok {
		delete(a.byOwner, owner)
		delete(a.used, n)
	}
}

func (a *ipAllocator) InUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.used)
}
