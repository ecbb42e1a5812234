#!/usr/bin/env node
// The `paperboy` CLI. Loads .env files (real environment variables win), then runs the build
// in dist/ (`npm run build`: production never compiles at start) or, while the sources are
// being worked on (NODE_ENV development or test) or when there is no build, the TypeScript
// sources through tsx. PAPERBOY_RUN=dist or =src picks one explicitly.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const inRepo = (name) => fileURLToPath(new URL(`../${name}`, import.meta.url));
for (const name of [".env", ".data/services.env"]) {
  if (existsSync(inRepo(name))) process.loadEnvFile(inRepo(name));
}

function choose() {
  const asked = process.env.PAPERBOY_RUN;
  if (asked === "dist" || asked === "src") return asked;
  if (!existsSync(inRepo("dist/BUILD"))) return "src";
  const editing = process.env.NODE_ENV === "development" || process.env.NODE_ENV === "test";
  return editing && existsSync(inRepo("src/cli/main.ts")) ? "src" : "dist";
}

if (choose() === "dist") {
  await import("../dist/src/cli/main.js");
} else {
  const tsx = await import("tsx/esm/api").catch(() => null);
  if (!tsx) {
    console.error(
      "paperboy: no build in dist/ and no tsx to run the sources: run `npm ci && npm run build` first",
    );
    process.exit(1);
  }
  tsx.register();
  await import("../src/cli/main.ts");
}
