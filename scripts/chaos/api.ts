import { sql } from "kysely";
import { signToken } from "../../src/subscribers/tokens.ts";
import type { PaperboyProcess } from "../../test/helpers/processes.ts";
import { sleep } from "../../test/helpers/wait.ts";
import { type ChaosWorld, deliveryTrial, killRandomWorker, type TrialResult } from "./trials.ts";

export interface ApiTrialReport {
  trial: TrialResult;
  apiKills: number;
  unsubscribesAcknowledged: number;
  /** Acknowledged unsubscribes whose reader is not unsubscribed in the database (must be 0). */
  unsubscribesNotApplied: number;
  subscriptionsAcknowledged: number;
  /** Acknowledged subscriptions without a stored (pending) reader (must be 0). */
  subscriptionsNotStored: number;
  confirmationsReceived: number;
  /** Newcomers with more than one confirmation mail (must be 0). */
  confirmationDuplicates: number;
  /** Requests that got no answer (the API was dead) and were sent again. */
  retriedRequests: number;
  problems: string[];
  /** Every address and token the clients used, for the log search. */
  secrets: string[];
}

/** POST until the API answers `want` (a killed API answers nothing; the client tries again). */
async function until(
  url: string,
  init: RequestInit,
  want: number,
  counters: { retried: number },
): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status === want) return Date.now();
      if (res.status !== 503)
        throw new Error(`${url.replace(/\/[^/]{40,}$/, "/…")}: ${res.status}`);
    } catch (error) {
      if ((error as Error).message.includes(": ")) throw error;
    }
    if (Date.now() > deadline) throw new Error("API did not come back");
    counters.retried++;
    await sleep(100);
  }
}

export async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error("API did not become ready");
}

/**
 * SIGKILL the API (`paperboy serve`) while unsubscribes and subscriptions stream in and the
 * workers deliver an edition (and get killed too). Every acknowledged unsubscribe must hold and
 * no digest may reach that address after the acknowledgement.
 */
export async function apiTrial(
  world: ChaosWorld,
  api: PaperboyProcess,
  edition: string,
  options: { secret: string; port: number; kills: number },
): Promise<ApiTrialReport> {
  const { db } = world.deps;
  const base = `http://127.0.0.1:${options.port}`;
  if (!api.running) api.start();
  await waitHealthy(options.port);
  const leaving = (
    await sql<{ id: number; email: string; token_version: number }>`
      select id, email, token_version from subscribers s
      where source = 'chaos' and status = 'active'
        and not exists (select 1 from suppressions x where lower(x.email) = lower(s.email))
      order by md5(id::text) limit ${Math.min(500, Math.ceil(world.due / 10))}`.execute(db)
  ).rows;
  const newcomers = Array.from({ length: 300 }, (_, i) => `chaos-newcomer-${i}@newcomers.test`);
  const leftAt = new Map<string, number>();
  const subscribed: string[] = [];
  const counters = { retried: 0 };
  const secrets = [...newcomers];
  let waitFor: (share: number) => Promise<void> = async () => {};

  const unsubscribes = async (lane: number, lanes: number) => {
    for (let i = lane; i < leaving.length; i += lanes) {
      const r = leaving[i]!;
      await waitFor((0.9 * i) / leaving.length);
      const token = signToken(options.secret, {
        purpose: "unsubscribe",
        subscriberId: r.id,
        version: r.token_version,
        issuedAt: 0,
      });
      secrets.push(token, r.email);
      const at = await until(
        `${base}/unsubscribe/${token}`,
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
        },
        200,
        counters,
      );
      leftAt.set(r.email, at);
    }
  };
  const subscriptions = async (lane: number, lanes: number) => {
    for (let i = lane; i < newcomers.length; i += lanes) {
      await waitFor((0.9 * i) / newcomers.length);
      await until(
        `${base}/api/subscriptions`,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-forwarded-for": `10.9.${Math.floor(i / 200)}.${i % 200}`,
          },
          body: JSON.stringify({ email: newcomers[i], topics: ["agents"] }),
        },
        202,
        counters,
      );
      subscribed.push(newcomers[i]!);
    }
  };
  let apiKills = 0;
  const kills = async () => {
    const points = Array.from({ length: options.kills }, () => 0.1 + world.random() * 0.75).sort();
    for (const point of points) {
      await waitFor(point);
      await api.kill();
      apiKills++;
      if (world.random() < 0.5) await killRandomWorker(world);
      await sleep(200 + Math.floor(world.random() * 800));
      api.start();
    }
  };
  const during = async (wait: (share: number) => Promise<void>) => {
    waitFor = wait;
    await Promise.all([
      ...[0, 1, 2, 3].map((l) => unsubscribes(l, 4)),
      ...[0, 1].map((l) => subscriptions(l, 2)),
      kills(),
    ]);
  };
  const trial = await deliveryTrial(world, "API kills", edition, [], { leftAt, during });
  trial.kills += apiKills;
  trial.restarts += apiKills;

  const statuses = new Map(
    (
      await sql<{ email: string; status: string }>`
        select email, status from subscribers
        where email = any(${[...leftAt.keys(), ...subscribed]}::text[])`.execute(db)
    ).rows.map((r) => [r.email, r.status]),
  );
  await sleep(2_000); // confirmation mails go out after the answer
  const confirmations = subscribed.map((a) => world.sink.transactional.get(a)?.length ?? 0);
  const report: ApiTrialReport = {
    trial,
    apiKills,
    unsubscribesAcknowledged: leftAt.size,
    unsubscribesNotApplied: [...leftAt.keys()].filter((e) => statuses.get(e) !== "unsubscribed")
      .length,
    subscriptionsAcknowledged: subscribed.length,
    subscriptionsNotStored: subscribed.filter((e) => statuses.get(e) !== "pending").length,
    confirmationsReceived: confirmations.filter((n) => n > 0).length,
    confirmationDuplicates: confirmations.filter((n) => n > 1).length,
    retriedRequests: counters.retried,
    problems: [],
    secrets,
  };
  if (report.unsubscribesNotApplied)
    report.problems.push(`${report.unsubscribesNotApplied} acknowledged unsubscribes not applied`);
  if (report.subscriptionsNotStored)
    report.problems.push(`${report.subscriptionsNotStored} acknowledged subscriptions not stored`);
  if (report.confirmationDuplicates)
    report.problems.push(`${report.confirmationDuplicates} newcomers got two confirmation mails`);
  world.log(
    `API kills: ${apiKills} kills, ${leftAt.size} unsubscribes acknowledged (${report.unsubscribesNotApplied} not applied), ${subscribed.length} subscriptions (${report.confirmationsReceived} confirmations received), ${counters.retried} requests retried`,
  );
  return report;
}
