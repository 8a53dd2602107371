// Regenerate types/: TypeScript declarations of the `throng:vu@0.1.0`
// imports, as componentize-js exposes them to a journey, generated from the
// repository's wit/ with jco's guest type generator (what `jco guest-types
// ../../wit -n vu -o types` does).
//
// Run from this folder after `cargo xtask polyglot` installed the toolchain:
//   node types.mjs
//
// jco 1.35's command refuses every path ("failed to read path for WIT"):
// its bundled preview2-shim 0.26 starts with no preopened directories, so
// this script opens `/` for it before calling the same generator.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const toolchain = process.env.THRONG_JS_TOOLCHAIN ?? resolve(here, '../../.toolchains/js');
const transpile = join(toolchain, 'node_modules/@bytecodealliance/jco-transpile');

const shim = join(transpile, 'node_modules/@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js');
const { _setPreopens } = await import(shim);
_setPreopens({ '/': '/' });
const { generateGuestTypes } = await import(join(transpile, 'dist/index.js'));

const out = join(here, 'types');
const files = await generateGuestTypes(resolve(here, '../../wit'), { worldName: 'vu', outDir: '' });
for (const [name, bytes] of Object.entries(files)) {
  const path = join(out, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  console.log(`wrote ${path}`);
}
