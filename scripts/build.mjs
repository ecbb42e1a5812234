#!/usr/bin/env node
// `npm run build [-- --out-dir DIR]`: compiles src/ and migrations/ to JavaScript in dist/ (tsc,
// same layout) and copies the files they read at run time beside them, so dist/ runs on its own
// with only the production dependencies: `node bin/paperboy.mjs` then starts dist/src/cli/main.js.
import { spawnSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
process.chdir(root);
const { values } = parseArgs({ options: { "out-dir": { type: "string", default: "dist" } } });
const out = path.resolve(values["out-dir"]);
if (!path.relative(out, root).startsWith("..")) {
  console.error(`build: refusing to empty ${out}, which holds the repository`);
  process.exit(2);
}

/** Read at run time relative to the compiled modules (templates.ts, http/app.ts, ingest.ts). */
const RUNTIME_ASSETS = ["templates", "public", "data/sample", "data/models"];

rmSync(out, { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.error("build: TypeScript is not installed: run `npm ci` (with dev dependencies) first");
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", out], {
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
for (const dir of RUNTIME_ASSETS) cpSync(dir, path.join(out, dir), { recursive: true });
// Marks a finished build: bin/paperboy.mjs runs dist/ only when this file exists.
writeFileSync(path.join(out, "BUILD"), `${new Date().toISOString()}\n`);
console.log(
  `build: ${path.relative(root, out) || "."} (src, migrations, ${RUNTIME_ASSETS.join(", ")})`,
);
