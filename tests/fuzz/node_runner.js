// V8's side of the differential fuzzer (scripts/fuzz.sh): runs the protocol
// of fuzz_runner.cpp on each module and writes A.wasm.v8.out.
//
//   node node_runner.js A.wasm [B.wasm ...]
//
// The exports' signatures come from A.wasm.sigs, written by
// kiln-fuzz-runner (the JS API does not reflect them).
'use strict';
const fs = require('fs');

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

function format(kind, v) {
  switch (kind) {
    case 'i': return 'i32:' + (v | 0);
    case 'I': return 'i64:' + BigInt.asIntN(64, BigInt(v));
    case 'f': if (Number.isNaN(v)) return 'f32:nan'; f32[0] = v; return 'f32:' + u32[0].toString(16).padStart(8, '0');
    case 'F': if (Number.isNaN(v)) return 'f64:nan'; f64[0] = v; return 'f64:' + u64[0].toString(16).padStart(16, '0');
  }
  return 'ref';
}

// V8's messages, mapped onto Kiln's trap kinds (merged where V8 merges).
function trapKind(e) {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack_overflow';
  if (!(e instanceof WebAssembly.RuntimeError)) return 'error:' + e.constructor.name + ':' + e.message;
  const m = e.message;
  if (/memory access out of bounds|data segment/.test(m)) return 'memory_out_of_bounds';
  if (/divide by zero|remainder by zero/.test(m)) return 'divide_by_zero';
  if (/divide result unrepresentable/.test(m)) return 'integer_overflow';
  if (/float unrepresentable|unrepresentable/.test(m)) return 'invalid_conversion';
  if (/^unreachable/.test(m)) return 'unreachable';
  if (/table index is out of bounds|element segment|table access/.test(m)) return 'table_bounds';
  if (/null function|signature mismatch/.test(m)) return 'indirect';
  return 'other:' + m;
}

function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function run(path) {
  const sigs = new Map(fs.readFileSync(path + '.sigs', 'utf8').split('\n').filter(Boolean)
    .map((line) => { const [name, sig] = line.split(' '); return [name, sig]; }));
  const module = new WebAssembly.Module(fs.readFileSync(path));
  let out = '';
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'fuzzing-support' || !imp.name.startsWith('log-') || imp.kind !== 'function') {
      return 'skip import ' + imp.module + '.' + imp.name + '\n';
    }
    const kind = { 'log-i32': 'i', 'log-i64': 'I', 'log-f32': 'f', 'log-f64': 'F' }[imp.name];
    if (!kind) return 'skip import ' + imp.module + '.' + imp.name + '\n';
    imports[imp.module] = imports[imp.module] || {};
    imports[imp.module][imp.name] = (...args) => { out += 'log ' + args.map((a) => format(kind, a)).join(' ') + '\n'; };
  }
  let instance;
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (e) {
    return out + 'instantiate trap ' + trapKind(e) + '\n';
  }
  const exports = instance.exports;
  let memory = null;
  for (const name of Object.keys(exports)) if (!memory && exports[name] instanceof WebAssembly.Memory) memory = exports[name];
  const hangLimit = exports.hangLimitInitializer;
  for (const name of Object.keys(exports)) {
    const fn = exports[name];
    if (typeof fn !== 'function' || name === 'hangLimitInitializer') continue;
    const sig = sigs.get(name);
    out += 'call ' + name + '\n';
    if (sig === undefined || sig.includes('?')) { out += 'skip signature\n'; continue; }
    if (hangLimit) hangLimit();
    const [params, results] = sig.split(':');
    const args = [...params].map((k) => (k === 'I' ? 0n : 0));
    try {
      let r = fn(...args);
      if (results.length === 0) r = [];
      else if (results.length === 1) r = [r];
      out += 'result' + [...results].map((k, i) => ' ' + format(k, r[i])).join('') + '\n';
    } catch (e) {
      out += 'trap ' + trapKind(e) + '\n';
    }
    if (memory) out += 'memory ' + memory.buffer.byteLength + ' ' + fnv1a(new Uint8Array(memory.buffer)) + '\n';
  }
  return out;
}

for (const path of process.argv.slice(2)) {
  let text;
  try {
    text = run(path);
  } catch (e) {
    text = 'error ' + e.message + '\n';
  }
  fs.writeFileSync(path + '.v8.out', text);
}
