#!/usr/bin/env node
/**
 * Lists the largest functions and files of datastore/src, by line count (first to last line,
 * comments and blank lines included).
 *
 *   node datastore/scripts/sizes.js [--top N] [--functions-over L] [--files-over L] [dir]
 *
 * Defaults: the 10 largest of each, dir = datastore/src. With --functions-over / --files-over
 * every one above L lines is listed instead, and the exit code is 1 if there is any.
 * Uses the TypeScript compiler API (the package's own devDependency), so every kind of function
 * counts: declarations, methods, constructors, accessors, arrow functions and function expressions.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

function parseArgs(argv) {
  const opts = { top: 10, functionsOver: undefined, filesOver: undefined, dir: path.join(__dirname, '..', 'src') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--top') opts.top = Number(argv[++i]);
    else if (a === '--functions-over') opts.functionsOver = Number(argv[++i]);
    else if (a === '--files-over') opts.filesOver = Number(argv[++i]);
    else opts.dir = path.resolve(a);
  }
  return opts;
}

function tsFiles(dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...tsFiles(p));
    else if (ent.name.endsWith('.ts') && !ent.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function functionName(node, sf) {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(sf);
  return '<anonymous>';
}

function measure(file, root) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const rel = path.relative(root, file);
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').length;
  const fns = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      fns.push({ name: functionName(node, sf), where: `${rel}:${start}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { file: rel, lines, fns };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = path.dirname(opts.dir);
  const files = tsFiles(opts.dir).map((f) => measure(f, root));
  const fns = files.flatMap((f) => f.fns).sort((a, b) => b.lines - a.lines);
  files.sort((a, b) => b.lines - a.lines);
  const pick = (xs, over) => (over === undefined ? xs.slice(0, opts.top) : xs.filter((x) => x.lines > over));
  const bigFns = pick(fns, opts.functionsOver);
  const bigFiles = pick(files, opts.filesOver);
  console.log(`functions${opts.functionsOver === undefined ? ` (largest ${opts.top})` : ` over ${opts.functionsOver} lines`}:`);
  for (const f of bigFns) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
  console.log(`files${opts.filesOver === undefined ? ` (largest ${opts.top})` : ` over ${opts.filesOver} lines`}:`);
  for (const f of bigFiles) console.log(`  ${String(f.lines).padStart(4)}  ${f.file}`);
  console.log(`${files.length} files, ${fns.length} functions`);
  const strict = opts.functionsOver !== undefined || opts.filesOver !== undefined;
  if (strict && (bigFns.length > 0 || bigFiles.length > 0)) process.exitCode = 1;
}

main();
