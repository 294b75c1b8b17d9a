package main

// One queued packet to one verdict: parsed by the engine's own parser, judged by the engine.
// Anything the engine cannot parse or judge is dropped (fail closed).

import (
	"context"
	"fmt"
	"log"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"sigs.k8s.io/kube-network-policies/pkg/network"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

type judge struct {
	engine      *networkpolicy.PolicyEngine
	logVerdicts bool
}

// verdict returns nfqueue.NfAccept when the engine allows the packet, else nfqueue.NfDrop.
func (j *judge) verdict(payload []byte) int {
	packet, err := network.ParsePacket(payload)
	if err != nil {
		log.Printf("drop: unparsable packet (%d bytes): %v", len(payload), err)
		return nfqueue.NfDrop
	}
	allowed, err := j.engine.EvaluatePacket(context.Background(), &packet)
	if err != nil {
		log.Printf("drop: %s: engine error: %v", describe(packet), err)
		return nfqueue.NfDrop
	}
	if j.logVerdicts {
		log.Printf("%s: %s", verdictName(allowed), describe(packet))
	}
	if allowed {
		return nfqueue.NfAccept
	}
	return nfqueue.NfDrop
}

// describe: "TCP 10.244.1.2:40312 -> 10.244.1.3:9876"; the protocol is empty for those the
// engine does not know (ICMP among them), which it judges with port 0.
func describe(p network.Packet) string {
	return fmt.Sprintf("%s %s:%d -> %s:%d", p.Proto, p.SrcIP, p.SrcPort, p.DstIP, p.DstPort)
}

func verdictName(allowed bool) string {
	if allowed {
		return "accept"
	}
	return "drop"
}
