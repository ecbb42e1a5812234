import net from "node:net";
import { sleep } from "../../test/helpers/wait.ts";
import type { ChaosSink } from "./sink.ts";

export interface LimitsReport {
  burstFromOneIp: { requests: number; accepted: number; limited: number };
  victimAddress: { requests: number; confirmationMails: number };
  oversized: Record<string, number>;
  slowClients: { connections: number; cutOffWithinSeconds: number; stillOpen: number };
  /** Slowest answer to GET /healthz while the slow clients held their connections. */
  healthDuringSlowlorisMs: number;
  problems: string[];
}

/** A client that opens a request and then trickles it, never finishing. Resolves when cut. */
function slowClient(port: number, kind: "headers" | "body", maxMs: number): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, "127.0.0.1");
    let timer: NodeJS.Timeout;
    const done = () => {
      clearInterval(timer);
      socket.destroy();
      resolve(Date.now() - started);
    };
    socket.on("close", done);
    socket.on("error", () => {});
    socket.on("data", () => {}); // a 408 may come first; the close is what counts
    socket.on("connect", () => {
      socket.write(
        kind === "headers"
          ? "POST /api/subscriptions HTTP/1.1\r\nHost: chaos\r\n"
          : "POST /api/subscriptions HTTP/1.1\r\nHost: chaos\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
      );
      let n = 0;
      timer = setInterval(() => {
        if (Date.now() - started > maxMs) return done();
        socket.write(kind === "headers" ? `X-Slow-${n++}: a\r\n` : " ");
      }, 2_000);
    });
  });
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: string | ReadableStream<Uint8Array>,
) {
  try {
    const res = await fetch(url, { method: "POST", headers, body, duplex: "half" } as RequestInit);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // the server cut the upload off before answering
  }
}

/** Rate limits, body limits and slow clients against the real listening API. */
export async function attackLimits(options: {
  port: number;
  sink: ChaosSink;
  log: (line: string) => void;
}): Promise<LimitsReport> {
  const base = `http://127.0.0.1:${options.port}`;
  const problems: string[] = [];
  const maxMs = 75_000;
  const slow = [
    ...Array.from({ length: 20 }, () => slowClient(options.port, "headers", maxMs)),
    ...Array.from({ length: 10 }, () => slowClient(options.port, "body", maxMs)),
  ];
  await sleep(500);

  // One IP, many addresses: the per-IP budget (10 a minute) holds.
  const burst = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      post(
        `${base}/api/subscriptions`,
        { "content-type": "application/json", "x-forwarded-for": "203.0.113.7" },
        JSON.stringify({ email: `chaos-burst-${i}@burst.test` }),
      ),
    ),
  );
  // One victim, many IPs: at most one confirmation mail (per 5 minutes).
  const victim = "chaos-victim@victims.test";
  const victimAnswers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      post(
        `${base}/api/subscriptions`,
        { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i + 1}` },
        JSON.stringify({ email: victim }),
      ),
    ),
  );
  const big = (n: number) => "x".repeat(n);
  const oversized = {
    json200KB: await post(
      `${base}/api/subscriptions`,
      { "content-type": "application/json", "x-forwarded-for": "192.0.2.1" },
      JSON.stringify({ email: "a@b.test", pad: big(200_000) }),
    ),
    form200KB: await post(
      `${base}/subscribe`,
      { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "192.0.2.2" },
      `email=a%40b.test&pad=${big(200_000)}`,
    ),
    multipart1MB: await post(
      `${base}/unsubscribe/forged`,
      { "content-type": "multipart/form-data; boundary=x" },
      `--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n${big(1_000_000)}\r\n--x--\r\n`,
    ),
    streamed50MB: await post(
      `${base}/api/subscriptions`,
      { "content-type": "application/json", "x-forwarded-for": "192.0.2.3" },
      new ReadableStream({
        start(controller) {
          const chunk = new TextEncoder().encode(big(1_000_000));
          for (let i = 0; i < 50; i++) controller.enqueue(chunk);
          controller.close();
        },
      }),
    ),
  };
  for (const [name, status] of Object.entries(oversized)) {
    if (status !== 413 && status !== 0) problems.push(`oversized ${name} answered ${status}`);
  }

  let healthMs = 0;
  const watch = (async () => {
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ok) problems.push("GET /healthz failed while slow clients held connections");
      healthMs = Math.max(healthMs, Date.now() - t);
      await sleep(1_000);
    }
  })();
  const cut = await Promise.all(slow);
  await watch;
  await sleep(2_000);
  const report: LimitsReport = {
    burstFromOneIp: {
      requests: burst.length,
      accepted: burst.filter((s) => s === 202).length,
      limited: burst.filter((s) => s === 429).length,
    },
    victimAddress: {
      requests: victimAnswers.length,
      confirmationMails: options.sink.transactional.get(victim)?.length ?? 0,
    },
    oversized,
    slowClients: {
      connections: cut.length,
      cutOffWithinSeconds: Math.round(Math.max(...cut) / 1000),
      stillOpen: cut.filter((ms) => ms >= maxMs).length,
    },
    healthDuringSlowlorisMs: healthMs,
    problems,
  };
  if (report.burstFromOneIp.accepted > 10)
    problems.push(`one IP got ${report.burstFromOneIp.accepted} subscriptions through`);
  if (report.victimAddress.confirmationMails > 1)
    problems.push(`the victim got ${report.victimAddress.confirmationMails} confirmation mails`);
  if (report.slowClients.stillOpen)
    problems.push(`${report.slowClients.stillOpen} slow clients were never cut off`);
  options.log(`limits: ${JSON.stringify({ ...report, problems: undefined })}`);
  return report;
}
