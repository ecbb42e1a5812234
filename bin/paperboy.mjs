#!/usr/bin/env node
// The `paperboy` CLI. Loads .env files (real environment variables win), then runs the
// TypeScript sources through tsx, so there is no build step to forget.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

for (const name of [".env", ".data/services.env"]) {
  const file = fileURLToPath(new URL(`../${name}`, import.meta.url));
  if (existsSync(file)) process.loadEnvFile(file);
}
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
