package main

// Node registration and heartbeats: the node lifecycle controller must see
// a healthy kubelet, or it taints the node and evicts every pod.

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

const (
	hostIP               = "127.0.0.1"
	kubeletVersion       = "v1.34.4"
	leaseNamespace       = "kube-node-lease"
	leaseDurationSeconds = 40
	leaseRenewInterval   = 10 * time.Second
	statusUpdateInterval = 30 * time.Second
)

// defaultMaxPods is the kubelet's own default for --max-pods.
const defaultMaxPods = 110

// Fixed capacity: enough for any test, and the same on every machine so
// scheduling is reproducible. Only the pod count is a flag (--max-pods):
// a scale benchmark runs far more than the kubelet's default 110.
func nodeCapacity(maxPods int) v1.ResourceList {
	return v1.ResourceList{
		v1.ResourceCPU:              resource.MustParse("8"),
		v1.ResourceMemory:           resource.MustParse("16Gi"),
		v1.ResourcePods:             *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
		v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
}

func nodeAllocatable() nodeResources {
	c := nodeCapacity(defaultMaxPods)
	return nodeResources{
		cpu:              c[v1.ResourceCPU],
		memory:           c[v1.ResourceMemory],
		ephemeralStorage: c[v1.ResourceEphemeralStorage],
	}
}

type nodeManager struct {
	client      kubernetes.Interface
	name        string
	kubeletPort int32 // the HTTPS port serving container logs; 0 = none
	maxPods     int   // allocatable pods; 0 = defaultMaxPods

	registered atomic.Bool
	nodeUID    atomic.Value // types.UID of the current Node object, for the lease's owner
}

func (n *nodeManager) podLimit() int {
	if n.maxPods > 0 {
		return n.maxPods
	}
	return defaultMaxPods
}

func (n *nodeManager) labels() map[string]string {
	return map[string]string{
		"kubernetes.io/hostname": n.name,
		"kubernetes.io/os":       runtime.GOOS,
		"kubernetes.io/arch":     runtime.GOARCH,
		"kappa.dev/node-agent":   "true",
	}
}

func (n *nodeManager) desiredStatus(old *v1.NodeStatus, now metav1.Time) v1.NodeStatus {
	conds := []v1.NodeCondition{
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: v1.NodeDiskPressure, Status: v1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: v1.NodePIDPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", Message: "kappa node agent is posting ready status"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		if old != nil {
			for _, oc := range old.Conditions {
				if oc.Type == conds[i].Type && oc.Status == conds[i].Status && !oc.LastTransitionTime.IsZero() {
					conds[i].LastTransitionTime = oc.LastTransitionTime
				}
			}
		}
	}
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	bootID := ""
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		bootID = strings.TrimSpace(string(b))
	}
	st := v1.NodeStatus{
		Capacity:    nodeCapacity(n.podLimit()),
		Allocatable: nodeCapacity(n.podLimit()),
		Phase:       v1.NodeRunning,
		Conditions:  conds,
		Addresses: []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: hostIP},
			// The API server dials a node by its Hostname address first (for
			// `kubectl logs`), so it must resolve to this machine.
			{Type: v1.NodeHostName, Address: "localhost"},
		},
		NodeInfo: v1.NodeSystemInfo{
			MachineID:               "kappa-" + n.name,
			SystemUUID:              "kappa-" + n.name,
			BootID:                  bootID,
			KernelVersion:           kernel,
			OSImage:                 "kappa local node agent",
			ContainerRuntimeVersion: "kappa-local://1",
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         runtime.GOOS,
			Architecture:            runtime.GOARCH,
		},
	}
	if n.kubeletPort > 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = n.kubeletPort
	}
	return st
}

// ensureNode creates the Node if missing, else refreshes labels and status.
func (n *nodeManager) ensureNode(ctx context.Context) error {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	nodes := n.client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node = &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: n.labels()}}
		node.Status = n.desiredStatus(nil, now)
		node, err = nodes.Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create node %s: %w", n.name, err)
		}
		log.Printf("node %s: registered", n.name)
	} else if err != nil {
		return fmt.Errorf("get node %s: %w", n.name, err)
	} else {
		missing := false
		for k, v := range n.labels() {
			if node.Labels[k] != v {
				missing = true
			}
		}
		if missing {
			if node.Labels == nil {
				node.Labels = map[string]string{}
			}
			for k, v := range n.labels() {
				node.Labels[k] = v
			}
			if node, err = nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("update node %s labels: %w", n.name, err)
			}
		}
	}
	n.nodeUID.Store(node.UID)
	// Status is a subresource: set it explicitly whether or not Create kept it.
	node.Status = n.desiredStatus(&node.Status, now)
	if _, err := nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update node %s status: %w", n.name, err)
	}
	if !n.registered.Swap(true) {
		log.Printf("node %s: Ready", n.name)
	}
	return nil
}

func (n *nodeManager) renewLease(ctx context.Context) error {
	leases := n.client.CoordinationV1().Leases(leaseNamespace)
	now := metav1.NewMicroTime(time.Now())
	lease, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		holder := n.name
		dur := int32(leaseDurationSeconds)
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: leaseNamespace},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       &holder,
				LeaseDurationSeconds: &dur,
				RenewTime:            &now,
			},
		}
		// Owned by the Node, as the kubelet does, so deleting the node
		// garbage-collects its lease.
		if uid := n.currentUID(); uid != "" {
			lease.OwnerReferences = []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Node", Name: n.name, UID: uid,
			}}
		}
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	holder := n.name
	dur := int32(leaseDurationSeconds)
	lease.Spec.HolderIdentity = &holder
	lease.Spec.LeaseDurationSeconds = &dur
	lease.Spec.RenewTime = &now
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}

func (n *nodeManager) currentUID() types.UID {
	if v, ok := n.nodeUID.Load().(types.UID); ok {
		return v
	}
	return ""
}

// run registers the node (retrying until the API server answers) and then
// keeps the lease and status fresh until ctx ends. A deleted node is
// re-created on the next beat.
func (n *nodeManager) run(ctx context.Context) {
	for {
		err := n.ensureNode(ctx)
		if err == nil {
			break
		}
		log.Printf("node %s: %v (retrying)", n.name, err)
		if !sleepCtx(ctx, time.Second) {
			return
		}
	}
	if err := n.renewLease(ctx); err != nil {
		log.Printf("node %s: lease: %v", n.name, err)
	}
	leaseTick := time.NewTicker(leaseRenewInterval)
	defer leaseTick.Stop()
	lastStatus := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaseTick.C:
		}
		// Cheap existence check every beat so a deleted node comes back fast.
		_, err := n.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || time.Since(lastStatus) >= statusUpdateInterval-time.Second {
			if apierrors.IsNotFound(err) {
				log.Printf("node %s: was deleted; registering it again", n.name)
			}
			if err := n.ensureNode(ctx); err != nil {
				log.Printf("node %s: %v", n.name, err)
			} else {
				lastStatus = time.Now()
			}
		}
		if err := n.renewLease(ctx); err != nil && ctx.Err() == nil {
			log.Printf("node %s: renew lease: %v", n.name, err)
		}
	}
}
