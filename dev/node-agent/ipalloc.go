package main

// Every address in 127.0.0.0/8 reaches loopback on Linux without any setup,
// so each pod gets one of its own and pods never collide on ports. One /24
// holds 253 pods; a scale test needs more, so the allocator spans a run of
// consecutive /24 blocks (127.A.B, 127.A.B+1, ...).

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

const (
	firstHostOctet = 2   // .1 is left alone: it reads like a gateway
	lastHostOctet  = 254 // .255 is left alone: it reads like a broadcast
	hostsPerBlock  = lastHostOctet - firstHostOctet + 1
)

type ipAllocator struct {
	net    string // "127.A"
	first  int    // third octet of the first block (B)
	blocks int

	mu      sync.Mutex
	byOwner map[string]int // owner (pod UID) -> slot
	used    map[int]string // slot -> owner
	next    int            // round-robin cursor, so a freed address is not handed out again at once
}

var errNoFreeIP = fmt.Errorf("no free pod IP")

// newIPAllocator hands out addresses from blocks /24s starting at prefix
// ("127.A.B" gives 127.A.B.2-254, 127.A.B+1.2-254, ...).
func newIPAllocator(prefix string, blocks int) (*ipAllocator, error) {
	parts := strings.Split(prefix, ".")
	if len(parts) != 3 || parts[0] != "127" {
		return nil, fmt.Errorf("--ip-prefix %q: want 127.A.B", prefix)
	}
	var octets [2]int
	for i, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return nil, fmt.Errorf("--ip-prefix %q: %q is not an octet", prefix, p)
		}
		octets[i] = n
	}
	if blocks < 1 {
		return nil, fmt.Errorf("--ip-blocks %d: want at least 1", blocks)
	}
	if octets[1]+blocks-1 > 255 {
		return nil, fmt.Errorf("--ip-prefix %q with --ip-blocks %d runs past 127.%d.255", prefix, blocks, octets[0])
	}
	return &ipAllocator{
		net:     "127." + strconv.Itoa(octets[0]),
		first:   octets[1],
		blocks:  blocks,
		byOwner: map[string]int{},
		used:    map[int]string{},
	}, nil
}

func (a *ipAllocator) size() int { return a.blocks * hostsPerBlock }

// ip maps a slot (0 .. size-1) to its address.
func (a *ipAllocator) ip(slot int) string {
	return fmt.Sprintf("%s.%d.%d", a.net, a.first+slot/hostsPerBlock, firstHostOctet+slot%hostsPerBlock)
}

// slotOf returns the slot of ip if it lies in our range.
func (a *ipAllocator) slotOf(ip string) (int, bool) {
	rest, ok := strings.CutPrefix(ip, a.net+".")
	if !ok {
		return 0, false
	}
	third, fourth, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, false
	}
	b, err1 := strconv.Atoi(third)
	h, err2 := strconv.Atoi(fourth)
	if err1 != nil || err2 != nil || b < a.first || b >= a.first+a.blocks || h < firstHostOctet || h > lastHostOctet {
		return 0, false
	}
	return (b-a.first)*hostsPerBlock + h - firstHostOctet, true
}

// Allocate returns owner's address, giving it preferred (e.g. the IP in the
// pod's status from before an agent restart) when that is free.
func (a *ipAllocator) Allocate(owner, preferred string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n, ok := a.byOwner[owner]; ok {
		return a.ip(n), nil
	}
	if n, ok := a.slotOf(preferred); ok {
		if _, taken := a.used[n]; !taken {
			a.take(owner, n)
			return a.ip(n), nil
		}
	}
	span := a.size()
	for i := 0; i < span; i++ {
		n := (a.next + i) % span
		if _, taken := a.used[n]; !taken {
			a.take(owner, n)
			a.next = (n + 1) % span
			return a.ip(n), nil
		}
	}
	return "", fmt.Errorf("%w: all %d addresses of %s are in use", errNoFreeIP, span, a.describe())
}

// describe names the range, e.g. "127.20.3.2-254" or "127.20.3-10.2-254".
func (a *ipAllocator) describe() string {
	if a.blocks == 1 {
		return fmt.Sprintf("%s.%d.%d-%d", a.net, a.first, firstHostOctet, lastHostOctet)
	}
	return fmt.Sprintf("%s.%d-%d.%d-%d", a.net, a.first, a.first+a.blocks-1, firstHostOctet, lastHostOctet)
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
