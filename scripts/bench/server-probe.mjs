// Loaded into `paperboy serve` by the API bench (`node --import`): what the event loop, the
// garbage collector and the group commits did between two SIGUSR2s, one JSON line each to
// PAPERBOY_PROBE_FILE. Bench-only; the server knows nothing of it.
import { subscribe } from "node:diagnostics_channel";
import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

const file = process.env.PAPERBOY_PROBE_FILE;
if (file) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const GC_KINDS = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb", 15: "all" };
  let gc = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[e.detail?.kind] ?? String(e.detail?.kind);
      gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 };
      const k = gc[kind];
      k.count++;
      k.totalMs += e.duration;
      k.maxMs = Math.max(k.maxMs, e.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  let groups = {};
  subscribe("paperboy:group-flush", ({ name, items, waiting, ms }) => {
    groups[name] ??= { flushes: 0, items: 0, maxItems: 0, maxWaiting: 0, ms: [] };
    const g = groups[name];
    g.flushes++;
    g.items += items;
    g.maxItems = Math.max(g.maxItems, items);
    g.maxWaiting = Math.max(g.maxWaiting, waiting);
    g.ms.push(ms);
  });
  // Time inside the server: from the parsed request to the last byte handed to the kernel.
  let served = [];
  const started = new WeakMap();
  subscribe("http.server.request.start", ({ request }) => started.set(request, performance.now()));
  subscribe("http.server.response.finish", ({ request }) => {
    const t = started.get(request);
    if (t !== undefined) served.push(performance.now() - t);
  });
  const pct = (sorted, p) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  const r = (x) => Math.round(x * 100) / 100;
  process.on("SIGUSR2", () => {
    const ms = (ns) => r(ns / 1e6);
    const flushes = Object.fromEntries(
      Object.entries(groups).map(([name, g]) => {
        const sorted = g.ms.sort((a, b) => a - b);
        return [
          name,
          {
            flushes: g.flushes,
            meanItems: r(g.items / g.flushes),
            maxItems: g.maxItems,
            maxWaiting: g.maxWaiting,
            msP50: r(pct(sorted, 0.5)),
            msP99: r(pct(sorted, 0.99)),
            msMax: r(sorted.at(-1) ?? 0),
          },
        ];
      }),
    );
    for (const k of Object.values(gc)) {
      k.totalMs = r(k.totalMs);
      k.maxMs = r(k.maxMs);
    }
    const inServer = served.sort((a, b) => a - b);
    const line = {
      inServerMs: {
        p50: r(pct(inServer, 0.5)),
        p99: r(pct(inServer, 0.99)),
        max: r(inServer.at(-1) ?? 0),
      },
      loopDelayMs: {
        p50: ms(loop.percentile(50)),
        p99: ms(loop.percentile(99)),
        max: ms(loop.max),
      },
      gc,
      flushes,
      heapMb: r(process.memoryUsage().heapUsed / 2 ** 20),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    loop.reset();
    gc = {};
    groups = {};
    served = [];
  });
}
