package main

// Service-account tokens for projected volumes, from the TokenRequest API
// and bound to the pod, renewed like the kubelet does: once 80% of the
// token's lifetime has passed, or after 24 hours at the latest.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	defaultTokenSeconds = 3600 // the API default of expirationSeconds
	maxTokenAge         = 24 * time.Hour
)

type cachedToken struct {
	token     string
	refreshAt time.Time
}

// podTokens caches a pod's tokens by audience and lifetime.
type podTokens struct {
	client kubernetes.Interface
	cache  map[string]cachedToken
}

// tokenRefreshAt is when a token issued at issued and expiring at expiry
// is due for renewal.
func tokenRefreshAt(issued, expiry time.Time) time.Time {
	at := issued.Add(expiry.Sub(issued) * 8 / 10)
	return minTime(at, issued.Add(maxTokenAge))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// get returns a valid token for the projection, requesting a new one when
// none is cached or the cached one is due.
func (t *podTokens) get(ctx context.Context, pod *v1.Pod, p *v1.ServiceAccountTokenProjection, now time.Time) (string, error) {
	seconds := int64(defaultTokenSeconds)
	if p.ExpirationSeconds != nil {
		seconds = *p.ExpirationSeconds
	}
	key := p.Audience + "|" + strconv.FormatInt(seconds, 10)
	if c, ok := t.cache[key]; ok && now.Before(c.refreshAt) {
		return c.token, nil
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: &seconds,
		BoundObjectRef:    &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if p.Audience != "" {
		req.Spec.Audiences = []string{p.Audience}
	}
	resp, err := t.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token for service account %s/%s: %w", pod.Namespace, sa, err)
	}
	if resp.Status.Token == "" {
		return "", fmt.Errorf("token request for service account %s/%s returned no token", pod.Namespace, sa)
	}
	expiry := resp.Status.ExpirationTimestamp.Time
	if expiry.IsZero() {
		expiry = now.Add(time.Duration(seconds) * time.Second)
	}
	if t.cache == nil {
		t.cache = map[string]cachedToken{}
	}
	t.cache[key] = cachedToken{token: resp.Status.Token, refreshAt: tokenRefreshAt(now, expiry)}
	return resp.Status.Token, nil
}

// nextRefresh is when the earliest cached token is due (zero: none cached).
func (t *podTokens) nextRefresh() time.Time {
	var next time.Time
	for _, c := range t.cache {
		if next.IsZero() || c.refreshAt.Before(next) {
			next = c.refreshAt
		}
	}
	return next
}
