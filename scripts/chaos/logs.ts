import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Anything shaped like an address, and anything shaped like one of our signed link tokens. */
const ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const TOKEN = /[A-Za-z0-9_-]{8,120}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

export interface LogScan {
  files: number;
  lines: number;
  /** Lines holding a known address, a token-shaped string, or a given secret. */
  leaks: number;
  examples: string[];
}

/**
 * Search every log line of a run for reader addresses (any address in `addresses`), for
 * token-shaped strings, and for each given secret (tokens the clients used). Pino writes one
 * JSON object per line, so a line is one log record.
 */
export function scanLogs(texts: string[], addresses: Set<string>, secrets: string[] = []): LogScan {
  const scan: LogScan = { files: texts.length, lines: 0, leaks: 0, examples: [] };
  const wanted = secrets.filter((s) => s.length >= 8);
  for (const text of texts) {
    for (const line of text.split("\n")) {
      if (!line) continue;
      scan.lines++;
      const hit =
        (line.match(ADDRESS) ?? []).find((a) => addresses.has(a.toLowerCase())) ??
        line.match(TOKEN)?.[0] ??
        wanted.find((s) => line.includes(s));
      if (hit) {
        scan.leaks++;
        if (scan.examples.length < 5) scan.examples.push(line.slice(0, 300));
      }
    }
  }
  return scan;
}

export function readLogDir(dir: string): string[] {
  return readdirSync(dir).map((f) => readFileSync(path.join(dir, f), "utf8"));
}
