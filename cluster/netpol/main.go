// Command netpol (run as the process netpol-enforcer) enforces Kubernetes NetworkPolicies in the mehdb test cluster.
//
// Why a program of our own: the machine's kernel lacks CONFIG_NFT_QUEUE, so the nftables `queue`
// statement that kube-network-policies (since v0.2.0) uses to hand packets to userspace fails,
// and the upstream binary cannot run unmodified. The iptables NFQUEUE target does work. So this
// is glue only: cluster/lib/netpol.sh installs iptables rules that queue the first packet of
// each new connection from a pod, and this program reads that queue and gives each packet the
// verdict of kube-network-policies' own policy engine (its library packages). There is no policy
// logic here.
//
// Why one process for every node: the test cluster's nodes share one network namespace, and the
// engine decides by IP from cluster-wide informers, so one process fed by one queue polices the
// pods of all nodes. (The upstream binary runs per node and owns one fixed nftables table, so
// several copies in one namespace would overwrite each other.)
//
// Fail closed: the iptables rules have no --queue-bypass, so while no process reads the queue
// the kernel drops the queued packets; a packet the engine cannot parse or judge is dropped too.
//
// Files: main.go (flags, lifetime, ready file), engine.go (informers and the policy engine),
// queue.go (the NFQUEUE reader), verdict.go (one packet to one verdict, and its log line).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type options struct {
	kubeconfig  string
	queueNum    uint
	readyFile   string
	logVerdicts bool
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: in-cluster config)")
	flag.UintVar(&o.queueNum, "queue-num", 100, "NFQUEUE number the iptables rules send packets to")
	flag.StringVar(&o.readyFile, "ready-file", "", "file written once the informers have synced and the queue is bound")
	flag.BoolVar(&o.logVerdicts, "log-verdicts", false, "log one line per decision on stderr")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("netpol-enforcer: ")
	if o.queueNum > 65535 {
		log.Fatalf("--queue-num %d is out of range (0-65535)", o.queueNum)
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// run serves the queue until SIGTERM or SIGINT (exit 0) or a queue failure (an error). The ready
// file exists only while the queue is served.
func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.readyFile != "" {
		_ = os.Remove(o.readyFile) // a stale file from an earlier run must not announce this one
		defer os.Remove(o.readyFile)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating client: %w", err)
	}
	eng, err := startEngine(ctx, client)
	if err != nil {
		return err
	}
	judge := &judge{engine: eng, logVerdicts: o.logVerdicts}
	failed, err := serveQueue(ctx, uint16(o.queueNum), judge.verdict)
	if err != nil {
		return err
	}

	if o.readyFile != "" {
		if err := os.WriteFile(o.readyFile, []byte("ready\n"), 0o644); err != nil {
			return fmt.Errorf("writing ready file: %w", err)
		}
	}
	log.Printf("ready: policing NFQUEUE %d", o.queueNum)
	select {
	case <-ctx.Done():
		log.Printf("stopping on signal; queued packets are dropped from now on (no --queue-bypass)")
		return nil
	case err := <-failed:
		return err
	}
}
