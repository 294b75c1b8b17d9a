// Command pause is the pod sandbox process of the test cluster's nodes: it holds the pod's
// namespaces open and exits on SIGTERM or SIGINT. It is built as a static binary and put in
// a FROM-scratch image here, because no image can be pulled on these machines.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
