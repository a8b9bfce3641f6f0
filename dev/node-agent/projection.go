package main

// The files of configMap, secret, downwardAPI and projected volumes, with
// the kubelet's rules for items, modes and optional references.

import (
	"context"
	"fmt"
	"os"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultVolumeMode is the API default of defaultMode (0644).
const defaultVolumeMode = 0o644

func fileMode(itemMode, defaultMode *int32) os.FileMode {
	switch {
	case itemMode != nil:
		return os.FileMode(*itemMode) & os.ModePerm
	case defaultMode != nil:
		return os.FileMode(*defaultMode) & os.ModePerm
	}
	return defaultVolumeMode
}

// keyFiles turns the data of a ConfigMap or Secret into files: every key
// without items, else only the listed keys at their paths. A listed key
// that is missing is an error unless the source is optional.
func keyFiles(kind, ns, name string, data map[string][]byte, items []v1.KeyToPath, defaultMode *int32, optional bool, out fileSet) error {
	if len(items) == 0 {
		for k, v := range data {
			out[k] = volFile{data: v, mode: fileMode(nil, defaultMode)}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return configErrorf("%s %s/%s has no key %q", kind, ns, name, it.Key)
		}
		out[it.Path] = volFile{data: v, mode: fileMode(it.Mode, defaultMode)}
	}
	return nil
}

// configMapData gets a ConfigMap's data and binaryData as bytes; nil (and
// no error) when it is absent and optional.
func (v *podVolumes) configMapData(ctx context.Context, ns, name string, optional bool) (map[string][]byte, error) {
	cm, err := v.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) && optional {
			return nil, nil
		}
		return nil, lookupError("configmap", ns, name, err)
	}
	data := map[string][]byte{}
	for k, s := range cm.Data {
		data[k] = []byte(s)
	}
	for k, b := range cm.BinaryData {
		data[k] = b
	}
	return data, nil
}

func (v *podVolumes) secretData(ctx context.Context, ns, name string, optional bool) (map[string][]byte, error) {
	sec, err := v.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) && optional {
			return nil, nil
		}
		return nil, lookupError("secret", ns, name, err)
	}
	return sec.Data, nil
}

func (v *podVolumes) configMapFiles(ctx context.Context, ns, name string, items []v1.KeyToPath, mode *int32, optional *bool, out fileSet) error {
	opt := optional != nil && *optional
	data, err := v.configMapData(ctx, ns, name, opt)
	if err != nil || data == nil {
		return err
	}
	return keyFiles("ConfigMap", ns, name, data, items, mode, opt, out)
}

func (v *podVolumes) secretFiles(ctx context.Context, ns, name string, items []v1.KeyToPath, mode *int32, optional *bool, out fileSet) error {
	opt := optional != nil && *optional
	data, err := v.secretData(ctx, ns, name, opt)
	if err != nil || data == nil {
		return err
	}
	return keyFiles("Secret", ns, name, data, items, mode, opt, out)
}

// downwardAPIFiles renders fieldRef and resourceFieldRef items.
func (v *podVolumes) downwardAPIFiles(pod *v1.Pod, podIP string, items []v1.DownwardAPIVolumeFile, mode *int32, out fileSet) error {
	for _, it := range items {
		var value string
		var err error
		switch {
		case it.FieldRef != nil:
			value, err = podFieldValue(pod, it.FieldRef.FieldPath, podIP)
		case it.ResourceFieldRef != nil:
			c := findContainer(pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				return configErrorf("downwardAPI %s: no container %q", it.Path, it.ResourceFieldRef.ContainerName)
			}
			value, err = v.env.resourceFieldValue(pod, c, it.ResourceFieldRef)
		default:
			return configErrorf("downwardAPI %s: neither fieldRef nor resourceFieldRef", it.Path)
		}
		if err != nil {
			return fmt.Errorf("downwardAPI %s: %w", it.Path, err)
		}
		out[it.Path] = volFile{data: []byte(value), mode: fileMode(it.Mode, mode)}
	}
	return nil
}

// projectedFiles merges the sources of a projected volume; the automatic
// kube-api-access volume is one (token, kube-root-ca.crt, namespace).
func (v *podVolumes) projectedFiles(ctx context.Context, pod *v1.Pod, podIP string, src *v1.ProjectedVolumeSource, now time.Time, out fileSet) error {
	ns := pod.Namespace
	for _, p := range src.Sources {
		var err error
		switch {
		case p.ConfigMap != nil:
			err = v.configMapFiles(ctx, ns, p.ConfigMap.Name, p.ConfigMap.Items, src.DefaultMode, p.ConfigMap.Optional, out)
		case p.Secret != nil:
			err = v.secretFiles(ctx, ns, p.Secret.Name, p.Secret.Items, src.DefaultMode, p.Secret.Optional, out)
		case p.DownwardAPI != nil:
			err = v.downwardAPIFiles(pod, podIP, p.DownwardAPI.Items, src.DefaultMode, out)
		case p.ServiceAccountToken != nil:
			var token string
			token, err = v.tokens.get(ctx, pod, p.ServiceAccountToken, now)
			out[p.ServiceAccountToken.Path] = volFile{data: []byte(token), mode: fileMode(nil, src.DefaultMode)}
		default:
			err = configErrorf("unsupported projected volume source (only configMap, secret, downwardAPI, serviceAccountToken)")
		}
		if err != nil {
			return err
		}
	}
	return nil
}
