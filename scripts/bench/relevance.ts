import { writeFileSync } from "node:fs";
import { deliverEdition } from "../../src/delivery/deliver-edition.ts";
import { loadEditionPapers } from "../../src/digests/edition.ts";
import { retrainReader } from "../../src/digests/learn.ts";
import { ingest } from "../../src/papers/ingest.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { type LiveApp, startLiveApp } from "../../test/helpers/browser.ts";
import { prepareTemplate } from "../../test/helpers/database.ts";
import {
  intFlag,
  machine,
  onlyFlags,
  printMachine,
  printResult,
  quantile,
  round,
} from "./common.ts";
import { judgedDays, loadRelevanceData, type RelevanceData, sharedDays } from "./relevance-data.ts";
import {
  type BenchReader,
  type DigestEntry,
  digestEntries,
  subscribeReader,
  voteThrough,
} from "./relevance-reader.ts";
import { printRelevance, summarize } from "./relevance-report.ts";
import { addEdition, emptyTally, rulesPick, type Tally, trendingPick } from "./relevance-score.ts";

/**
 * `npm run bench -- relevance`: each persona of data/relevance/ becomes two real readers of a
 * live app (own database, Redis prefix and SMTP sink): one never votes ("before feedback"), the
 * other votes through its digests' links on the learning days ("after feedback"); the shared
 * days are ingested and delivered one by one in date order, and on the scoring days what each
 * reader was mailed is scored against the judgements, beside two baselines computed from the
 * same editions (trending only; the rules without floor or model).
 */
export const ARMS = ["trending", "rules", "before", "after"] as const;
export type Arm = (typeof ARMS)[number];

interface Run {
  data: RelevanceData;
  live: LiveApp;
  readers: Record<"before" | "after", BenchReader[]>;
  /** Per arm, per persona: the scoring-day tally, and what it was sent so far (baselines). */
  tallies: Record<Arm, Map<string, Tally>>;
  baselineSent: Record<"trending" | "rules", Map<string, Set<string>>>;
  votes: number;
  trainingMs: number[];
  /** Every digest by day (`--trace FILE`): reader, arm, papers with their grade. */
  trace: { date: string; arm: string; reader: string; papers: string[] }[];
}

let shippedModel: ReturnType<typeof loadTopicModel> | undefined;
const topicModel = () => (shippedModel ??= loadTopicModel());

/** Deliver one edition for real and return each reader's digest papers (mail order). */
async function deliverDay(run: Run, date: string) {
  const { live } = run;
  const before = live.ctx.smtp.received.length;
  const result = await deliverEdition(live.ctx.deps, date, () => {}, { retryBaseMs: 10 });
  if (result.failed > 0 || result.unfinished > 0) {
    throw new Error(`edition ${date}: ${result.failed} failed, ${result.unfinished} unfinished`);
  }
  await live.ctx.smtp.waitFor(before + result.sent);
  const mails = live.ctx.smtp.received.slice(before);
  return (reader: BenchReader) => {
    const mail = mails.find((m) => m.to.includes(reader.email));
    return mail ? digestEntries(mail) : [];
  };
}

/** Learning day: "more like this" on must-reads, "less like this" on papers not for them. */
async function voteAndTrain(run: Run, reader: BenchReader, entries: DigestEntry[]) {
  let voted = 0;
  for (const e of entries) {
    const grade = run.data.judgements[e.paperId]?.[reader.persona.id] ?? 0;
    if (grade === 1) continue;
    await voteThrough(grade === 2 ? e.more : e.less);
    voted++;
  }
  run.votes += voted;
  if (voted === 0) return;
  // What the debounced train-reader-model job runs once the reader stops clicking.
  const started = performance.now();
  await retrainReader(run.live.ctx.deps, reader.subscriberId, topicModel());
  run.trainingMs.push(performance.now() - started);
}

function scoreBaselines(run: Run, edition: EditionPaper[]) {
  for (const persona of run.data.personas) {
    for (const arm of ["trending", "rules"] as const) {
      const sentBefore = run.baselineSent[arm].get(persona.id)!;
      const picked = (arm === "trending" ? trendingPick : rulesPick)(persona, edition, sentBefore);
      for (const id of picked) sentBefore.add(id);
      addEdition(
        run.tallies[arm].get(persona.id)!,
        persona.id,
        edition,
        picked,
        run.data.judgements,
      );
    }
  }
}

async function runDay(run: Run, day: { date: string; file: string }, learning: boolean) {
  const { live } = run;
  live.ctx.clock.set(`${day.date}T21:00:00Z`);
  await ingest(live.ctx.deps, [day.file], { source: "hf" });
  const edition = await loadEditionPapers(live.ctx.deps.db, day.date, "daily");
  const digestOf = await deliverDay(run, day.date);
  for (const arm of ["before", "after"] as const) {
    for (const r of run.readers[arm]) {
      const papers = digestOf(r).map(
        (e) => `${e.paperId}:${run.data.judgements[e.paperId]?.[r.persona.id] ?? "?"}`,
      );
      run.trace.push({ date: day.date, arm, reader: r.persona.id, papers });
    }
  }
  if (learning) {
    for (const reader of run.readers.after) await voteAndTrain(run, reader, digestOf(reader));
    return;
  }
  scoreBaselines(run, edition);
  for (const arm of ["before", "after"] as const) {
    for (const reader of run.readers[arm]) {
      const sent = digestOf(reader).map((e) => e.paperId);
      const tally = run.tallies[arm].get(reader.persona.id)!;
      addEdition(tally, reader.persona.id, edition, sent, run.data.judgements);
    }
  }
}

async function setUp(data: RelevanceData, firstDay: string): Promise<Run> {
  await prepareTemplate();
  const live = await startLiveApp({
    now: `${firstDay}T12:00:00Z`,
    env: { SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "100000", LOG_LEVEL: "silent" },
  });
  const readers = { before: [] as BenchReader[], after: [] as BenchReader[] };
  for (const persona of data.personas) {
    for (const arm of ["before", "after"] as const) {
      readers[arm].push(
        await subscribeReader(live, persona, `${persona.id}.${arm}@readers.example.org`),
      );
    }
  }
  const perPersona = <T>(make: () => T) => new Map(data.personas.map((p) => [p.id, make()]));
  return {
    data,
    live,
    readers,
    tallies: {
      trending: perPersona(emptyTally),
      rules: perPersona(emptyTally),
      before: perPersona(emptyTally),
      after: perPersona(emptyTally),
    },
    baselineSent: { trending: perPersona(() => new Set()), rules: perPersona(() => new Set()) },
    votes: 0,
    trainingMs: [],
    trace: [],
  };
}

export async function relevanceBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["data", "days", "learn", "trace"]);
  const data = loadRelevanceData(flags.get("data") ?? "data/relevance");
  const m = await machine();
  printMachine(m);
  const days = sharedDays().slice(0, intFlag(flags, "days", 15));
  const learnDays = intFlag(flags, "learn", Math.round((days.length * 9) / 15));
  if (learnDays >= days.length) throw new Error("--learn must leave at least one scoring day");
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const run = await setUp(data, days[0]!.date);
  const editions: { date: string; paperIds: string[] }[] = [];
  try {
    for (const [i, day] of days.entries()) {
      await runDay(run, day, i < learnDays);
      const papers = await loadEditionPapers(run.live.ctx.deps.db, day.date, "daily");
      editions.push({ date: day.date, paperIds: papers.map((p) => p.id) });
    }
  } finally {
    await run.live.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const traceFile = flags.get("trace");
  if (traceFile) writeFileSync(traceFile, `${JSON.stringify(run.trace, null, 1)}\n`);
  const summary = summarize(data, run.tallies);
  const coverage = judgedDays(editions, data);
  const timing = {
    seconds: round((performance.now() - started) / 1000, 1),
    cpuSecondsPerDay: round((cpu.user + cpu.system) / 1e6 / days.length, 2),
    votes: run.votes,
    trainings: run.trainingMs.length,
    trainingMsMedian: round(
      quantile(
        [...run.trainingMs].sort((a, b) => a - b),
        0.5,
      ),
      1,
    ),
    trainingMsMax: round(Math.max(0, ...run.trainingMs), 1),
  };
  printRelevance(summary, {
    days: days.map((d) => d.date),
    learnDays,
    unjudged: coverage.partial,
    ...timing,
  });
  printResult({
    bench: "relevance",
    machine: m,
    days: days.length,
    learningDays: learnDays,
    unjudgedDays: coverage.partial,
    personas: data.personas.length,
    ...summary.groups,
    perPersona: summary.perPersona,
    ...timing,
  });
}
