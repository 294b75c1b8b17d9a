// Command nfs-provisioner is a small out-of-cluster dynamic provisioner used
// by `npm run test:cluster` in place of the NFS Ganesha provisioner, whose Go
// module cannot be fetched on the CI machines (see cluster/README.md).
//
// It speaks the same contract to the API server as the real one: it watches
// PersistentVolumeClaims whose StorageClass names this provisioner
// (-provisioner), accepts only the class parameters the real provisioner
// accepts (gid, rootSquash, mountOptions; anything else fails provisioning),
// creates one directory per volume under -export-dir and answers with an NFS
// PersistentVolume (server -server-hostname, path <export-dir>/<pv-name>)
// carrying the claim's size and access modes and the class's reclaim policy
// and mount options. The PV controller in kube-controller-manager then binds
// the claim. Deleting a volume removes its directory. It does not serve NFS:
// the simulated nodes never mount anything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

const annCreatedBy = "mehdb.local/provisioned-directory"

type dirProvisioner struct {
	exportDir      string
	serverHostname string
}

// parseParameters mirrors the class parameters the NFS Ganesha provisioner
// understands; an unknown key is an error there, so it is one here.
func parseParameters(params map[string]string) (gid *int64, mountOptions []string, err error) {
	for k, v := range params {
		switch strings.ToLower(k) {
		case "gid":
			if strings.EqualFold(v, "none") {
				continue
			}
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n <= 0 {
				return nil, nil, fmt.Errorf("invalid value for parameter gid: %q (want a positive integer or \"none\")", v)
			}
			gid = &n
		case "rootsquash":
			if _, perr := strconv.ParseBool(v); perr != nil {
				return nil, nil, fmt.Errorf("invalid value for parameter rootSquash: %q", v)
			}
		case "mountoptions":
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o != "" {
					mountOptions = append(mountOptions, o)
				}
			}
		default:
			return nil, nil, fmt.Errorf("invalid parameter: %q", k)
		}
	}
	return gid, mountOptions, nil
}

func (p *dirProvisioner) Provision(ctx context.Context, opts controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	if opts.PVC.Spec.Selector != nil {
		return nil, controller.ProvisioningFinished, errors.New("claim selector is not supported")
	}
	gid, paramMountOptions, err := parseParameters(opts.StorageClass.Parameters)
	if err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	dir := filepath.Join(p.exportDir, opts.PVName)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, controller.ProvisioningInBackground, fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		return nil, controller.ProvisioningInBackground, err
	}
	annotations := map[string]string{annCreatedBy: dir}
	if gid != nil {
		annotations["pv.beta.kubernetes.io/gid"] = strconv.FormatInt(*gid, 10)
	}
	mountOptions := append([]string{}, opts.StorageClass.MountOptions...)
	mountOptions = append(mountOptions, paramMountOptions...)
	reclaim := v1.PersistentVolumeReclaimDelete
	if opts.StorageClass.ReclaimPolicy != nil {
		reclaim = *opts.StorageClass.ReclaimPolicy
	}
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: opts.PVName, Annotations: annotations},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   opts.PVC.Spec.AccessModes,
			VolumeMode:                    opts.PVC.Spec.VolumeMode,
			MountOptions:                  mountOptions,
			Capacity: v1.ResourceList{
				v1.ResourceStorage: opts.PVC.Spec.Resources.Requests[v1.ResourceStorage],
			},
			PersistentVolumeSource: v1.PersistentVolumeSource{
				NFS: &v1.NFSVolumeSource{Server: p.serverHostname, Path: dir},
			},
		},
	}
	klog.InfoS("provisioned", "pv", opts.PVName, "claim", klog.KObj(opts.PVC), "dir", dir)
	return pv, controller.ProvisioningFinished, nil
}

func (p *dirProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	dir, ok := pv.Annotations[annCreatedBy]
	if !ok || filepath.Dir(dir) != filepath.Clean(p.exportDir) {
		return &controller.IgnoredError{Reason: "volume was not provisioned by this process's export directory"}
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	klog.InfoS("deleted", "pv", pv.Name, "dir", dir)
	return nil
}

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server (required: this runs outside the cluster)")
	name := flag.String("provisioner", "example.com/nfs", "provisioner name; StorageClasses whose provisioner equals it are served")
	server := flag.String("server-hostname", "127.0.0.1", "NFS server address written into provisioned volumes")
	exportDir := flag.String("export-dir", "/export", "directory under which one directory per volume is created")
	flag.Parse()
	if *kubeconfig == "" {
		klog.Exit("-kubeconfig is required")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Exitf("kubeconfig: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Exitf("client: %v", err)
	}
	if err := os.MkdirAll(*exportDir, 0o755); err != nil {
		klog.Exitf("export dir: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p := &dirProvisioner{exportDir: filepath.Clean(*exportDir), serverHostname: *server}
	pc := controller.NewProvisionController(ctx, client, *name, p,
		controller.LeaderElection(false),
		controller.FailedProvisionThreshold(3),
	)
	klog.InfoS("starting", "provisioner", *name, "exportDir", p.exportDir)
	pc.Run(ctx)
}
