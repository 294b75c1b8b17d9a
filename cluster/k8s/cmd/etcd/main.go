// Command etcd starts the etcd server at the version this module pins (the
// same etcd release the pinned kube-apiserver is built and tested against).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
