package main

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNodeMaxPods(t *testing.T) {
	cases := []struct {
		maxPods int
		want    int64
	}{{0, defaultMaxPods}, {110, 110}, {2000, 2000}}
	for _, c := range cases {
		n := &nodeManager{name: "n", maxPods: c.maxPods}
		st := n.desiredStatus(nil, metav1.Now())
		for what, list := range map[string]v1.ResourceList{"capacity": st.Capacity, "allocatable": st.Allocatable} {
			got := list[v1.ResourcePods]
			if got.Value() != c.want {
				t.Errorf("--max-pods %d: %s pods = %s, want %d", c.maxPods, what, got.String(), c.want)
			}
		}
		// The rest of the capacity does not move with the pod count.
		if cpu := st.Allocatable[v1.ResourceCPU]; cpu.String() != "8" {
			t.Errorf("--max-pods %d: cpu = %s", c.maxPods, cpu.String())
		}
	}
}
