#!/usr/bin/env node
// A stand-in for the parts of `kiln run` the end-to-end cases use, built on
// Node's WebAssembly engine (V8) and node:wasi. It exists to check the
// expectations of new cases against an independent engine, not to test Kiln:
//
//   node tests/e2e/tools/reference_kiln.js run app.wasm [--env K=V] [-- args...]
//   node tests/e2e/tools/reference_kiln.js run lib.wasm --invoke NAME args...
//
// tools/check_cases.py drives it over the "run" and "invoke" modes of every
// case. Known differences from Kiln: V8 cannot tell "integer overflow" from
// "invalid conversion to integer" in float-to-int traps, nor a null entry
// from a signature mismatch in call_indirect, so for those it prints every
// message that may apply. Function signatures come from `wasm-objdump -x`.
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');

function usage(msg) {
  process.stderr.write(`reference_kiln: error: ${msg}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv[0] !== 'run' || argv.length < 2) usage('only `run` is supported');
let moduleName = '';
let file = null, invoke = null, invokeArgs = [], guestArgs = [];
const env = {};
for (let i = 1; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { guestArgs = argv.slice(i + 1); break; }
  if (a === '--env') { const kv = argv[++i]; const eq = kv.indexOf('='); env[kv.slice(0, eq)] = kv.slice(eq + 1); continue; }
  if (a === '--invoke') { invoke = argv[++i]; invokeArgs = argv.slice(i + 1); break; }
  if (/^-O[0-3]$/.test(a)) continue;
  if (a.startsWith('-')) usage(`unknown flag ${a}`);
  if (file === null) { file = a; continue; }
  guestArgs = argv.slice(i); break;
}

// Signatures of the exports, from wasm-objdump.
function exportSignatures(path) {
  const text = execFileSync('wasm-objdump', ['-x', path], { encoding: 'utf8' });
  const types = [], funcSig = {}, exports = {};
  let section = '';
  for (const line of text.split('\n')) {
    const h = /^(\w+)\[\d+\]:/.exec(line);
    if (h) { section = h[1]; continue; }
    if (section === 'Type') {
      const m = /type\[(\d+)\] (?:\(([^)]*)\)|(\w+)) -> (?:\(([^)]*)\)|(\w+))/.exec(line);
      if (m) {
        const split = (s) => (!s || s === 'nil') ? [] : s.split(',').map((x) => x.trim()).filter(Boolean);
        types[+m[1]] = { params: split(m[2] ?? m[3]), results: split(m[4] ?? m[5]) };
      }
    } else if (section === 'Function' || section === 'Import') {
      const m = /func\[(\d+)\] sig=(\d+)/.exec(line);
      if (m) funcSig[+m[1]] = +m[2];
    } else if (section === 'Export') {
      const m = /func\[(\d+)\].* -> "(.*)"$/.exec(line);
      if (m) exports[m[2]] = types[funcSig[+m[1]]];
    }
  }
  return exports;
}

function shortestF32(v) {
  if (!Number.isFinite(v) || v === 0) return formatF64(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(parseFloat(s)) === v) return String(parseFloat(s));
  }
  return String(v);
}
function formatF64(v) {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}
function format(type, v) {
  switch (type) {
    case 'i32': return String(v | 0);
    case 'i64': return BigInt.asIntN(64, BigInt(v)).toString();
    case 'f32': return shortestF32(v);
    case 'f64': return formatF64(v);
    default: return v === null ? 'null' : String(v);
  }
}
function parseArg(type, s) {
  switch (type) {
    case 'i32': return Number(BigInt.asIntN(32, BigInt(s)));
    case 'i64': return BigInt.asIntN(64, BigInt(s));
    case 'f32': case 'f64': {
      const t = s.toLowerCase();
      if (t === 'nan' || t === '-nan') return NaN;
      if (t === 'inf' || t === 'infinity') return Infinity;
      if (t === '-inf' || t === '-infinity') return -Infinity;
      return Number(s);
    }
    default: usage(`cannot pass a ${type} argument`);
  }
}

const TRAPS = [
  [/^unreachable/, ['unreachable']],
  [/divide by zero|remainder by zero/, ['integer divide by zero']],
  [/divide result unrepresentable/, ['integer overflow']],
  [/float unrepresentable in integer range/, ['integer overflow', 'invalid conversion to integer']],
  [/memory access out of bounds/, ['out of bounds memory access']],
  [/table index is out of bounds/, ['undefined element', 'out of bounds table access']],
  [/null function or function signature mismatch|function signature mismatch/, ['indirect call type mismatch', 'uninitialized element']],
  [/Maximum call stack size exceeded/, ['call stack exhausted']],
  [/data segment out of bounds|data segment has been dropped/, ['out of bounds memory access']],
  [/element segment out of bounds|table access out of bounds|table index out of bounds/, ['out of bounds table access']],
];

function reportTrap(e) {
  if (!(e instanceof WebAssembly.RuntimeError) && !(e instanceof RangeError)) throw e;
  let messages = ['unknown trap: ' + e.message];
  for (const [re, m] of TRAPS) if (re.test(e.message)) { messages = m; break; }
  const frames = (e.stack || '').split('\n').slice(1)
    .map((l) => /at (\S+) \(wasm:/.exec(l)).filter(Boolean)
    .map((m) => m[1].startsWith(moduleName + '.') ? m[1].slice(moduleName.length + 1) : m[1]);
  process.stderr.write(`reference: trap: ${messages.join(' | ')}\n`);
  for (const f of frames.slice(0, 20)) process.stderr.write(`  in function ${f}\n`);
  process.exitCode = 134;
}

async function main() {
  if (!file) usage('no input file');
  moduleName = require('path').basename(file);
  let bytes;
  try { bytes = fs.readFileSync(file); } catch (e) { usage(`cannot read ${file}: ${e.message}`); }
  const { WASI } = require('wasi');
  const wasi = new WASI({ version: 'preview1', args: [file, ...guestArgs], env, returnOnExit: true });
  let instance;
  let needsWasi = false;
  try {
    const module = await WebAssembly.compile(bytes);
    needsWasi = WebAssembly.Module.imports(module).length > 0;
    instance = await WebAssembly.instantiate(module, needsWasi ? wasi.getImportObject() : {});
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) return reportTrap(e);
    usage(e.message);
  }
  try {
    if (invoke !== null) {
      const sig = exportSignatures(file)[invoke];
      if (!sig) usage(`no exported function ${invoke}`);
      if (sig.params.length !== invokeArgs.length) usage(`${invoke} takes ${sig.params.length} arguments`);
      const r = instance.exports[invoke](...invokeArgs.map((a, i) => parseArg(sig.params[i], a)));
      const results = sig.results.length === 1 ? [r] : sig.results.length === 0 ? [] : r;
      for (let i = 0; i < sig.results.length; i++) process.stdout.write(format(sig.results[i], results[i]) + '\n');
    } else {
      if (!instance.exports._start) usage('no _start');
      if (instance.exports.memory) process.exitCode = wasi.start(instance) ?? 0;
      else instance.exports._start();  // no memory: no WASI either
    }
  } catch (e) {
    reportTrap(e);
  }
}
main();
