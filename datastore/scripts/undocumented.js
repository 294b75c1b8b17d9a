#!/usr/bin/env node
/**
 * Lists exported symbols of datastore/src without a doc comment (/** ... *\/): exported
 * functions, classes, interfaces, types, enums and variables, and the public members of
 * exported classes. Exit code 1 when there is any.
 *
 *   node datastore/scripts/undocumented.js [dir]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

function tsFiles(dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...tsFiles(p));
    else if (ent.name.endsWith('.ts') && !ent.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

const hasDoc = (node) => ts.getJSDocCommentsAndTags(node).length > 0;
const isExported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;
const isPrivate = (node) => (ts.getCombinedModifierFlags(node) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;

function check(file, root, missing) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const where = (node) => `${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
  for (const st of sf.statements) {
    if (!isExported(st)) continue;
    if (ts.isVariableStatement(st)) {
      if (!hasDoc(st)) for (const d of st.declarationList.declarations) missing.push(`${where(st)} ${d.name.getText(sf)}`);
      continue;
    }
    if (!st.name) continue;
    if (!hasDoc(st)) missing.push(`${where(st)} ${st.name.getText(sf)}`);
    if (!ts.isClassDeclaration(st)) continue;
    for (const m of st.members) {
      if (isPrivate(m) || ts.isConstructorDeclaration(m) || !m.name || ts.isPrivateIdentifier(m.name)) continue;
      if (!hasDoc(m)) missing.push(`${where(m)} ${st.name.getText(sf)}.${m.name.getText(sf)}`);
    }
  }
}

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'src'));
const missing = [];
for (const f of tsFiles(dir)) check(f, path.dirname(dir), missing);
for (const m of missing) console.log(m);
console.log(`${missing.length} exported symbols without a doc comment`);
if (missing.length) process.exitCode = 1;
