package main

// Pod events as the kubelet emits them (Started, Failed, BackOff, Killing,
// Unhealthy), so `kubectl describe pod` explains what happened. Events are
// best-effort: client-go's recorder batches and rate-limits them and never
// blocks the caller.

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// eventFunc records an event about the pod it was made for.
type eventFunc func(eventType, reason, messageFmt string, args ...any)

func newEventRecorder(ctx context.Context, client kubernetes.Interface, nodeName string) (record.EventRecorder, func()) {
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	r := b.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: nodeName})
	return r, b.Shutdown
}
