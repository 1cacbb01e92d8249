// Runs a WASI preview 1 command module under Node's V8 (node:wasi).
//   node [--no-liftoff] bench/node/run.mjs app.wasm [args...]
// The program sees argv = [app.wasm, args...], no environment and no files.
// Exits with the program's exit status (proc_exit ends the process itself).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { basename } from 'node:path';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node run.mjs app.wasm [args...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [basename(file), ...args], env: {}, returnOnExit: false });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
wasi.start(instance); // returns only if the program returned from main with 0
