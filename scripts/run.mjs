#!/usr/bin/env node
// Entry point of `npm run dev`, `npm test`, `npm run bench` …: does all set-up a fresh machine
// needs (dependencies, Postgres, Redis, migrations), then runs the task. Node built-ins only
// until dependencies are installed.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
process.chdir(root);
const [task = "dev", ...rest] = process.argv.slice(2);

function sh(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env, cwd: root });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, env) {
  const status = sh(cmd, args, env);
  if (status !== 0) process.exit(status);
}

/** npm ci when node_modules is missing or older than package-lock.json. */
function ensureDependencies() {
  const lock = readFileSync("package-lock.json");
  const want = createHash("sha256").update(lock).digest("hex");
  const stamp = "node_modules/.paperboy-lock-hash";
  const have = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
  if (have === want) return;
  console.log(
    existsSync("node_modules")
      ? "setup: dependencies are stale, running npm ci"
      : "setup: installing dependencies (npm ci)",
  );
  must("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
  writeFileSync(stamp, want);
}

/** A .env with fresh secrets for local use, so every command finds a valid configuration. */
function ensureDotEnv() {
  if (existsSync(".env")) return;
  const example = readFileSync(".env.example", "utf8");
  const filled = example
    .replace(/^APP_SECRET=.*$/m, `APP_SECRET=${randomBytes(32).toString("hex")}`)
    .replace(/^ADMIN_TOKEN=.*$/m, `ADMIN_TOKEN=${randomBytes(18).toString("base64url")}`)
    .replace(/^NODE_ENV=.*$/m, "NODE_ENV=development");
  writeFileSync(".env", filled);
  console.log("setup: wrote .env with fresh APP_SECRET and ADMIN_TOKEN (edit it to configure)");
}

ensureDependencies();
mkdirSync(".data", { recursive: true });
ensureDotEnv();
process.loadEnvFile(".env");
const { ensureServices } = await import("./services.mjs");
const services = await ensureServices(process.env);
const env = { ...process.env, ...services };
const paperboy = (...args) => must("node", ["bin/paperboy.mjs", ...args], env);

switch (task) {
  case "setup":
    paperboy("migrate");
    break;
  case "dev":
    paperboy("dev", ...rest);
    break;
  case "test": {
    paperboy("migrate");
    must("npx", ["tsc", "--noEmit"], env);
    must("npx", ["biome", "check", "."], env);
    const { ensureChromium } = await import("./chromium.mjs");
    const { ensurePostfix } = await import("./system-packages.mjs");
    ensurePostfix();
    const { ensureSpamAssassin } = await import("./spamassassin.mjs");
    const testEnv = {
      ...env,
      NODE_ENV: "test",
      CHROMIUM_PATH: ensureChromium() ?? "",
      SPAMASSASSIN_PATH: ensureSpamAssassin() ?? "",
    };
    must("npx", ["vitest", "run", ...rest], testEnv);
    break;
  }
  case "bench":
  case "chaos":
  case "screenshots": {
    paperboy("migrate");
    const script = `scripts/${task}/main.ts`;
    if (!existsSync(script)) {
      console.error(`No ${task} script yet (${script}).`);
      process.exit(2);
    }
    must("npx", ["tsx", script, ...rest], env);
    break;
  }
  default:
    console.error(`scripts/run.mjs: unknown task '${task}'`);
    process.exit(2);
}
