// Command node-agent stands in for a kubelet on the local test stack: it
// registers a Node, keeps it Ready, and runs the pods bound to it as local
// processes (one loopback IP per pod) with the kubelet's status, probe,
// restart and deletion semantics. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if isMountHelper() {
		runMountHelper() // a container being started, not the agent
	}
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server (required)")
	nodeName := flag.String("node-name", "kappa-node-1", "name of the Node to register")
	imageMapPath := flag.String("image-map", "", `JSON file {"images": {"<image>": "/abs/executable"}} (required)`)
	podsDir := flag.String("pods-dir", "", "directory for per-pod working dirs and container logs (required)")
	ipPrefix := flag.String("ip-prefix", "127.0.100", "pod IPs are allocated from <prefix>.2 .. <prefix>.254")
	ipBlocks := flag.Int("ip-blocks", 1, "pod IPs come from this many consecutive /24s from --ip-prefix on (127.A.B, 127.A.B+1, ...)")
	maxPods := flag.Int("max-pods", defaultMaxPods, "pods the node can hold (its allocatable pods)")
	healthzPort := flag.Int("healthz-port", 0, "serve GET /healthz on 127.0.0.1:PORT (0 = off)")
	flag.Parse()

	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("node-agent: ")
	if *kubeconfig == "" || *imageMapPath == "" || *podsDir == "" {
		fmt.Fprintln(os.Stderr, "node-agent: --kubeconfig, --image-map and --pods-dir are required")
		flag.Usage()
		os.Exit(2)
	}
	if *maxPods < 1 {
		fmt.Fprintln(os.Stderr, "node-agent: --max-pods must be at least 1")
		os.Exit(2)
	}
	ips, err := newIPAllocator(*ipPrefix, *ipBlocks)
	if err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: %v\n", err)
		os.Exit(2)
	}
	if err := run(*kubeconfig, *nodeName, *imageMapPath, *podsDir, ips, *maxPods, *healthzPort); err != nil {
		log.Printf("fatal: %v", err)
		os.Exit(1)
	}
}

func run(kubeconfig, nodeName, imageMapPath, podsDir string, ips *ipAllocator, maxPods, healthzPort int) error {
	var err error
	if podsDir, err = filepath.Abs(podsDir); err != nil {
		return err
	}
	if err := os.MkdirAll(podsDir, 0o755); err != nil {
		return err
	}
	if imageMapPath, err = filepath.Abs(imageMapPath); err != nil {
		return err
	}
	if _, err := newImageMap(imageMapPath).load(); err != nil {
		return fmt.Errorf("image map: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.UserAgent = "kappa-node-agent/" + nodeName
	// Many pods starting at once must not queue behind the default 5 QPS; at
	// 50 the deletion of 1,000 pods was bound by it (a delete and an Event
	// per pod). 100 / 200, like the stack's controller-manager.
	cfg.QPS, cfg.Burst = 100, 200
	apiPort, err := apiServerPort(cfg.Host)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}

	// SIGTERM/SIGINT: stop every pod process, then exit 0.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	kubeletPort, err := serveKubeletAPI(ctx, podsDir)
	if err != nil {
		log.Printf("kubelet log API disabled: %v", err)
	}
	node := &nodeManager{client: client, name: nodeName, kubeletPort: kubeletPort, maxPods: maxPods}
	agent := newAgent(client, agentConfig{
		nodeName:     nodeName,
		podsDir:      podsDir,
		imageMapPath: imageMapPath,
		apiPort:      apiPort,
	}, ips)

	if healthzPort > 0 {
		if err := serveHealthz(ctx, healthzPort, func() bool { return node.registered.Load() && agent.synced.Load() }); err != nil {
			return err
		}
	}
	log.Printf("starting: node %s, API %s, pod IPs %s, max pods %d, pods dir %s, image map %s, logs API port %d",
		nodeName, cfg.Host, ips.describe(), maxPods, podsDir, imageMapPath, kubeletPort)

	nodeDone := make(chan struct{})
	go func() {
		defer close(nodeDone)
		node.run(ctx)
	}()
	agentDone := make(chan struct{})
	go func() {
		defer close(agentDone)
		agent.run(ctx)
	}()

	<-ctx.Done()
	stop() // a second signal now kills us the default way
	log.Printf("shutting down: stopping all pod processes")
	select {
	case <-agentDone:
	case <-time.After(shutdownGrace + 10*time.Second):
		log.Printf("pods did not stop in time; exiting anyway (children get SIGKILL via Pdeathsig)")
	}
	<-nodeDone
	log.Printf("stopped")
	return nil
}

// apiServerPort is the port containers see as KUBERNETES_SERVICE_PORT.
func apiServerPort(host string) (string, error) {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("cannot parse API server address %q", host)
	}
	if p := u.Port(); p != "" {
		return p, nil
	}
	if u.Scheme == "http" {
		return "80", nil
	}
	return "443", nil
}

func serveHealthz(ctx context.Context, port int, healthy func() bool) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(hostIP, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy() {
			http.Error(w, "not ready: node not registered or pods not synced yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return nil
}
