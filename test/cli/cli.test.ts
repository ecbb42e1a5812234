import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync("node", ["bin/paperboy.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, APP_SECRET: "s".repeat(32), ADMIN_TOKEN: "t".repeat(16), ...env },
  });

describe("paperboy CLI", () => {
  it("lists its commands with --help", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("migrate");
    expect(r.stdout).toContain("serve");
  });

  it("exits non-zero with one line about DATABASE_URL when it is nonsense", () => {
    const r = run(["migrate"], { DATABASE_URL: "nonsense" });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("DATABASE_URL");
  });

  it("rejects an unknown command", () => {
    const r = run(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("says which service is unreachable", () => {
    const r = run(["migrate"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach Postgres at 127\.0\.0\.1:1 \(connection refused\)/);
  });
});
