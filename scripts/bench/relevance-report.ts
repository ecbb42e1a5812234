import { round } from "./common.ts";
import type { RelevanceData } from "./relevance-data.ts";
import { precision, recall, sumTallies, type Tally } from "./relevance-score.ts";

/** The relevance benchmark's figures: pooled per group of personas, and per persona. */
type ArmName = "trending" | "rules" | "before" | "after";
const ARM_NAMES: ArmName[] = ["trending", "rules", "before", "after"];
const ARM_LABELS: Record<ArmName, string> = {
  trending: "trending only",
  rules: "today's rules",
  before: "before feedback",
  after: "after feedback",
};

export interface Figures {
  precision: number;
  recall: number;
  sent: number;
  mustReads: number;
  emptyDays: number;
}

const figures = (t: Tally): Figures => ({
  precision: round(precision(t), 3),
  recall: round(recall(t), 3),
  sent: t.sent,
  mustReads: t.must,
  emptyDays: t.emptyDays,
});

export interface Summary {
  groups: Record<"tuning" | "heldOut" | "all", Record<ArmName, Figures>>;
  perPersona: { id: string; heldOut: boolean; arms: Record<ArmName, Figures> }[];
}

export function summarize(
  data: RelevanceData,
  tallies: Record<ArmName, Map<string, Tally>>,
): Summary {
  const group = (ids: string[]) =>
    Object.fromEntries(
      ARM_NAMES.map((arm) => [arm, figures(sumTallies(ids.map((id) => tallies[arm].get(id)!)))]),
    ) as Record<ArmName, Figures>;
  const ids = (heldOut: boolean) =>
    data.personas.filter((p) => p.held_out === heldOut).map((p) => p.id);
  return {
    groups: {
      tuning: group(ids(false)),
      heldOut: group(ids(true)),
      all: group(data.personas.map((p) => p.id)),
    },
    perPersona: data.personas.map((p) => ({ id: p.id, heldOut: p.held_out, arms: group([p.id]) })),
  };
}

const cell = (f: Figures) => `${f.precision.toFixed(2)} / ${f.recall.toFixed(2)} (${f.sent})`;

function printRows(title: string, rows: [string, Record<ArmName, Figures>][]): void {
  const head = ["reader", ...ARM_NAMES.map((a) => ARM_LABELS[a])];
  const lines = [
    head,
    ...rows.map(([name, arms]) => [name, ...ARM_NAMES.map((a) => cell(arms[a]))]),
  ];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log(`\n${title}`);
  console.log("-".repeat(title.length));
  for (const line of lines) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join("  "));
}

export interface RunFacts {
  days: string[];
  learnDays: number;
  unjudged: string[];
  seconds: number;
  cpuSecondsPerDay: number;
  votes: number;
  trainings: number;
  trainingMsMedian: number;
  trainingMsMax: number;
}

export function printRelevance(summary: Summary, facts: RunFacts): void {
  const scoring = facts.days.slice(facts.learnDays);
  console.log(
    `\nrelevance: learning on ${facts.learnDays} days (${facts.days[0]} … ${facts.days[facts.learnDays - 1]}), scoring ${scoring.length} days (${scoring[0]} … ${scoring[scoring.length - 1]})`,
  );
  if (facts.unjudged.length) {
    console.log(`WARNING: not every paper judged on ${facts.unjudged.join(", ")} (unjudged = 0)`);
  }
  const must = (f: Figures) => f.mustReads;
  printRows(
    "precision / must-read recall (papers sent) on the scoring days, per reader",
    summary.perPersona.map((p) => [
      `${p.id}${p.heldOut ? " (held out)" : ""} [${must(p.arms.after)} must]`,
      p.arms,
    ]),
  );
  printRows("pooled over readers", [
    ["tuning readers", summary.groups.tuning],
    ["held-out readers", summary.groups.heldOut],
    ["all readers", summary.groups.all],
  ]);
  console.log(
    `\nvotes cast through digest links: ${facts.votes}; trainings: ${facts.trainings} (median ${facts.trainingMsMedian} ms, max ${facts.trainingMsMax} ms incl. database)`,
  );
  console.log(
    `wall ${facts.seconds} s; CPU of the bench process per day (ingest + delivery + app): ${facts.cpuSecondsPerDay} s`,
  );
}
