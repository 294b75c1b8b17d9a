#!/usr/bin/env node
// provisioner-spec.js DIR: reads the NFS provisioner Deployment from the manifests in DIR
// (the one whose container runs `-provisioner=...`) and prints what the test cluster needs to
// run the same binary out of cluster, one item per line:
//   namespace <ns>
//   serviceaccount <name>
//   arg <arg>            (each container arg, in order)
//   env <NAME>=<value>   (literal values, and metadata.namespace field references resolved)
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
  const namespace = obj.metadata.namespace ?? 'default';
  const lines = [`namespace ${namespace}`,
    `serviceaccount ${obj.spec.template.spec.serviceAccountName ?? 'default'}`];
  for (const arg of container.args) lines.push(`arg ${arg}`);
  for (const env of container.env ?? []) {
    if (env.value !== undefined) lines.push(`env ${env.name}=${env.value}`);
    else if (env.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') lines.push(`env ${env.name}=${namespace}`);
  }
  console.log(lines.join('\n'));
}

main();
