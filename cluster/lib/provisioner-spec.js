#!/usr/bin/env node
// provisioner-spec.js DIR: reads the NFS provisioner Deployment from the manifests in DIR
// (the one whose container runs `-provisioner=...`) and prints what the test cluster prepares
// for its pod, one item per line:
//   image <reference>    (served by the cluster's registry under that very name)
//   hostpath <path>      (the node folder the pod exports, bound to the run's export folder)
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

function findDeployment(dir) {
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const obj = doc.toJS();
      if (obj?.kind !== 'Deployment') continue;
      const container = obj.spec.template.spec.containers.find((c) =>
        (c.args ?? []).some((a) => a.startsWith('-provisioner=')));
      if (container) return { obj, container };
    }
  }
  throw new Error(`no Deployment with a -provisioner= argument in ${dir}`);
}

function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: provisioner-spec.js DIR');
  const { obj, container } = findDeployment(dir);
  const pod = obj.spec.template.spec;
  const exportMount = (container.volumeMounts ?? []).find((m) => m.mountPath === '/export');
  const exportVolume = (pod.volumes ?? []).find((v) => v.name === exportMount?.name);
  if (!exportVolume?.hostPath) throw new Error(`the provisioner Deployment in ${dir} mounts no hostPath volume on /export`);
  console.log([`image ${container.image}`, `hostpath ${exportVolume.hostPath.path}`].join('\n'));
}

main();
