package main

// The policy engine of kube-network-policies (sigs.k8s.io/kube-network-policies v1.1.1, library
// packages only), fed by cluster-wide informers of pods, namespaces and NetworkPolicies.
//
// Notes on the API (v1.1.1; v0.7.0 and v0.8.0 differ):
//   - networkpolicy.NewStandardNetworkPolicy(nodeName, nsInformer, podInformer, npInformer) is
//     the evaluator of networking.k8s.io/v1 NetworkPolicies. nodeName only scopes ManagedIPs and
//     the dataplane-sync callbacks of the upstream nftables dataplane, which is not used here;
//     its packet evaluation covers every pod in the cluster, so it is left empty.
//   - podinfo.NewInformerResolver adds an IP index to the pod informer; it must be called before
//     the informer starts (AddIndexers fails on a started informer).
//   - podinfo.NewInformerProvider(podInformer, nsInformer, nodeInformer, resolvers) maps an IP to
//     the pod and its namespace's labels; the node informer is only for AdminNetworkPolicies.
//   - networkpolicy.NewPolicyEngine(provider, evaluators).EvaluatePacket(ctx, &packet) runs the
//     egress then the ingress pipeline and returns (allowed, error).
//   - An IP that is no pod's (the API server, CoreDNS and the nodes live on the cluster's
//     namespace itself, not in pods) can only be matched by an ipBlock peer or a rule without
//     peers (ports only).

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/kube-network-policies/pkg/api"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
	"sigs.k8s.io/kube-network-policies/pkg/podinfo"
)

// syncTimeout bounds the wait for the informers' first list.
const syncTimeout = 2 * time.Minute

// startEngine starts the informers, waits until they have synced, and returns the engine.
func startEngine(ctx context.Context, client kubernetes.Interface) (*networkpolicy.PolicyEngine, error) {
	factory := informers.NewSharedInformerFactory(client, 0)
	pods := factory.Core().V1().Pods()
	namespaces := factory.Core().V1().Namespaces()
	policies := factory.Networking().V1().NetworkPolicies()

	resolver, err := podinfo.NewInformerResolver(pods.Informer())
	if err != nil {
		return nil, fmt.Errorf("indexing pods by IP: %w", err)
	}
	provider := podinfo.NewInformerProvider(pods, namespaces, nil, []podinfo.IPResolver{resolver})
	standard := networkpolicy.NewStandardNetworkPolicy("", namespaces, pods, policies)
	engine := networkpolicy.NewPolicyEngine(provider, []api.PolicyEvaluator{standard})

	factory.Start(ctx.Done())
	syncCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), pods.Informer().HasSynced,
		namespaces.Informer().HasSynced, policies.Informer().HasSynced) || !engine.Ready() {
		return nil, fmt.Errorf("informers did not sync within %s (API server reachable? RBAC: list/watch pods, namespaces, networkpolicies)", syncTimeout)
	}
	return engine, nil
}
