package main

// The NFQUEUE reader (github.com/florianl/go-nfqueue/v2 v2.1.0). The kernel sends each queued
// packet's headers here and holds the packet until a verdict comes back.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/mdlayher/netlink"
)

// verdictFunc judges one packet (its IP header onwards): nfqueue.NfAccept or nfqueue.NfDrop.
type verdictFunc func(payload []byte) int

// serveQueue binds queue num and answers every packet with decide's verdict until ctx ends. The
// returned channel gets the error that stopped the reader, if any.
func serveQueue(ctx context.Context, num uint16, decide verdictFunc) (<-chan error, error) {
	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:      num,
		MaxQueueLen:  1024,
		MaxPacketLen: 128, // the IP and L4 headers are all the engine reads
		Copymode:     nfqueue.NfQnlCopyPacket,
		// GSO: the kernel hands over offloaded packets without segmenting them first.
		Flags:        nfqueue.NfQaCfgFlagGSO,
		WriteTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("opening NFQUEUE %d: %w", num, err)
	}
	// Without this, a burst that overflows the socket buffer ends the reader with ENOBUFS.
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		nf.Close()
		return nil, fmt.Errorf("setting NoENOBUFS: %w", err)
	}

	failed := make(chan error, 1)
	onPacket := func(a nfqueue.Attribute) int {
		verdict := nfqueue.NfDrop
		if a.Payload != nil {
			verdict = decide(*a.Payload)
		}
		if err := nf.SetVerdict(*a.PacketID, verdict); err != nil {
			log.Printf("setting the verdict of packet %d: %v", *a.PacketID, err)
		}
		return 0
	}
	onError := func(err error) int {
		var opErr *netlink.OpError
		if ctx.Err() != nil {
			return 1 // stopping
		}
		if errors.As(err, &opErr) && (opErr.Timeout() || opErr.Temporary()) {
			return 0
		}
		failed <- fmt.Errorf("reading NFQUEUE %d: %w", num, err)
		return 1
	}
	if err := nf.RegisterWithErrorFunc(ctx, onPacket, onError); err != nil {
		nf.Close()
		return nil, fmt.Errorf("binding NFQUEUE %d (is another process bound to it?): %w", num, err)
	}
	go func() { <-ctx.Done(); nf.Close() }()
	return failed, nil
}
