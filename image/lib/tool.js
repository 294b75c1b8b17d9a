#!/usr/bin/env node
// What the image scripts ask of node (image/lib/image.sh: image_tool COMMAND ARG...):
//   version PACKAGE_JSON          the package's version
//   locked LOCKFILE NAME          the exact version of NAME in a package-lock.json (hoisted, or
//                                 under datastore/), empty when it is not there
//   layout DIR                    "<manifest digest> <compressed bytes> <unpacked bytes>" of the
//                                 one image in an OCI layout: the digest a registry reports, the
//                                 config and gzip layers as pushed, the layers' tar streams
//   record FILE KEY=VALUE...      writes the image record (image/mehdb-image.json) from repository,
//                                 tag, digest, reference, base, buildBase, builtWith, compressed
//                                 and unpacked
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

function locked(lockfile, name) {
  const { packages = {} } = readJson(lockfile);
  const entry = packages[`node_modules/${name}`] ?? packages[`datastore/node_modules/${name}`];
  return entry ? entry.version : '';
}

function layout(dir) {
  const blob = (digest) => path.join(dir, 'blobs', ...digest.split(':'));
  const { manifests } = readJson(path.join(dir, 'index.json'));
  if (manifests.length !== 1) throw new Error(`expected one manifest in ${dir}, found ${manifests.length}`);
  const manifest = readJson(blob(manifests[0].digest));
  const compressed = manifest.layers.reduce((n, l) => n + l.size, manifest.config.size);
  const unpacked = manifest.layers.reduce((n, l) => n + zlib.gunzipSync(fs.readFileSync(blob(l.digest))).length, 0);
  return `${manifests[0].digest} ${compressed} ${unpacked}`;
}

const RECORD_KEYS = ['repository', 'tag', 'digest', 'reference', 'base', 'buildBase', 'builtWith', 'compressed', 'unpacked'];

function record(file, pairs) {
  const v = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const missing = RECORD_KEYS.filter((k) => v[k] === undefined);
  if (missing.length) throw new Error(`record: missing ${missing.join(', ')}`);
  const out = {
    repository: v.repository, tag: v.tag, digest: v.digest, reference: v.reference,
    base: v.base, buildBase: v.buildBase, builtWith: v.builtWith,
    sizeBytes: { compressed: Number(v.compressed), unpacked: Number(v.unpacked) },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'version': console.log(readJson(args[0]).version); break;
  case 'locked': console.log(locked(args[0], args[1])); break;
  case 'layout': console.log(layout(args[0])); break;
  case 'record': record(args[0], args.slice(1)); break;
  default:
    console.error(`image/lib/tool.js: unknown command ${command ?? '(none)'}: version, locked, layout or record`);
    process.exit(2);
}
