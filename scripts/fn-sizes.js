#!/usr/bin/env node
// Function and file sizes of TypeScript sources, read with the TypeScript compiler API.
//   node scripts/fn-sizes.js [--min N] [--top K] <folder|file>...
// Lists every function (declarations, methods, constructors, accessors, arrow functions and
// function expressions) of at least N lines (default 40), longest first, then the K longest files
// (default 10). A function's lines run from its first to its last line, JSDoc excluded; nested
// functions are counted inside their parents and listed on their own as well.
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

function parseArgs(argv) {
  const opts = { min: 40, top: 10, roots: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--min') opts.min = Number(argv[++i]);
    else if (argv[i] === '--top') opts.top = Number(argv[++i]);
    else opts.roots.push(argv[i]);
  }
  if (opts.roots.length === 0 || !Number.isFinite(opts.min) || !Number.isFinite(opts.top)) {
    console.error('usage: node scripts/fn-sizes.js [--min N] [--top K] <folder|file>...');
    process.exit(2);
  }
  return opts;
}

function tsFiles(root) {
  if (fs.statSync(root).isFile()) return [root];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function functionName(node) {
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.text ?? '(class)'}.constructor`;
  if (node.name) {
    const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
    return owner + node.name.getText();
  }
  // An anonymous function: name it after what it is assigned or passed to.
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText();
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

function measureFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = pos => source.getLineAndCharacterOfPosition(pos).line;
  const functions = [];
  const visit = node => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
      functions.push({ file, line: lineOf(node.getStart(source)) + 1, name: functionName(node), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), functions };
}

const opts = parseArgs(process.argv.slice(2));
const files = opts.roots.flatMap(tsFiles).sort().map(measureFile);
const functions = files.flatMap(f => f.functions).sort((a, b) => b.lines - a.lines);
const long = functions.filter(f => f.lines >= opts.min);
console.log(`functions of ${opts.min}+ lines in ${opts.roots.join(' ')}: ${long.length} (of ${functions.length})`);
for (const f of long) console.log(`${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.name}`);
console.log(`longest files:`);
for (const f of [...files].sort((a, b) => b.lines - a.lines).slice(0, opts.top)) {
  console.log(`${String(f.lines).padStart(5)}  ${f.file}`);
}
