"""The default preset's charts, written in Python with the mehdb_cdk8s bindings.

The same props as the TypeScript app's default preset (lib/config/presets.ts) with the tests'
fixed datastore image (test/support/synth.ts) and the app's labels (lib/app.ts); prints both
charts' objects as JSON, for test/package/python.test.ts to compare with the TypeScript synth.
"""
import json
import sys

import cdk8s_plus_27 as kplus
from cdk8s import App, Chart
from mehdb_cdk8s import Mehdb, NfsProvisioner, NoScheduleToleration

TEST_IMAGE = sys.argv[1]
LABELS = {"app.kubernetes.io/part-of": "mehdb", "app.kubernetes.io/managed-by": "cdk8s"}
CONTROL_PLANE = "node-role.kubernetes.io/control-plane"

app = App()
cluster = Chart(app, "cluster-scoped", labels=LABELS)
kplus.Namespace(cluster, "Namespace", metadata={"name": "mehdb"})

namespaced = Chart(app, "namespaced", namespace="mehdb", labels=LABELS)
namespaced.add_dependency(cluster)
storage = NfsProvisioner(
    namespaced, "Storage",
    namespace="mehdb",
    cluster_scope=cluster,
    provisioner_name="mehdb.local/nfs",
    node_selector={CONTROL_PLANE: ""},
    tolerations=[NoScheduleToleration(key=CONTROL_PLANE)],
)
mehdb = Mehdb(
    namespaced, "Mehdb",
    namespace="mehdb",
    image=TEST_IMAGE,
    storage_class_name=storage.storage_class_name,
    api_server_ports=storage.api_server_ports,
)
mehdb.node.add_dependency(storage)

print(json.dumps({"clusterScoped": cluster.to_json(), "namespaced": namespaced.to_json()}))
