// The labelled topic set: data/labels/topics.json (the project's own judgements) joined with the
// papers' text, read in place from ../shared/data/hf-daily-papers/ through the project's HF
// parser, and its fixed split into a training part and a held-out part (data/labels/README.md).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseHfDailyPapers } from "../src/papers/hf.ts";

type LabelledPaper = {
  id: string;
  paper: import("../src/papers/paper.ts").IncomingPaper;
  topics: string[];
};

import { TOPICS } from "../src/papers/taxonomy.ts";
import { realDays } from "../test/papers/real-days.ts";

export const LABELS_FILE = new URL("../data/labels/topics.json", import.meta.url);
export const MODEL_FILE = new URL("../data/models/topics.json", import.meta.url);

/** Share of each topic's papers the split holds out. */
export const HELD_OUT_SHARE = 0.37;

const slugs = TOPICS.map((t) => t.slug) as [string, ...string[]];
const labelsSchema = z.array(
  z.object({
    id: z.string(),
    date: z.string(),
    title: z.string(),
    topics: z.array(z.enum(slugs)).max(4),
    note: z.string(),
  }),
);

/** Every labelled paper with its text, in the labels file's order. */
export function labelledPapers(): LabelledPaper[] {
  const labels = labelsSchema.parse(JSON.parse(readFileSync(LABELS_FILE, "utf8")));
  const texts = new Map<string, LabelledPaper["paper"]>();
  for (const day of realDays()) {
    for (const p of parseHfDailyPapers(day.items, { date: day.date }).papers) {
      if (!texts.has(p.id)) texts.set(p.id, p);
    }
  }
  return labels.map((label) => {
    const paper = texts.get(label.id);
    if (!paper) throw new Error(`labelled paper ${label.id} is not in the real days`);
    return { id: label.id, paper, topics: label.topics };
  });
}

/** A number in [0, 1) fixed by the id alone: the order the split visits papers in. */
export function idHash(id: string): number {
  return createHash("sha256").update(id).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Deterministic, stratified split: visit topics from the rarest up; within a topic, papers in
 * `idHash` order; hold a paper out while that topic has fewer than round(share × its papers)
 * held out. Each decision is final, so a paper counts towards every topic it carries. Papers
 * with no topic are held out when their hash is below the share.
 */
export function splitLabels<T extends { id: string; topics: string[] }>(
  labelled: T[],
  share = HELD_OUT_SHARE,
): { train: T[]; heldOut: T[] } {
  const order = [...labelled].sort((a, b) => idHash(a.id) - idHash(b.id));
  const decided = new Map<string, boolean>();
  const held = new Map<string, number>();
  const size = new Map<string, number>();
  for (const l of labelled) for (const t of l.topics) size.set(t, (size.get(t) ?? 0) + 1);
  const rarestFirst = [...size.keys()].sort(
    (a, b) => size.get(a)! - size.get(b)! || a.localeCompare(b),
  );
  for (const topic of rarestFirst) {
    const target = Math.round(share * size.get(topic)!);
    for (const l of order) {
      if (!l.topics.includes(topic) || decided.has(l.id)) continue;
      const holdOut = (held.get(topic) ?? 0) < target;
      decided.set(l.id, holdOut);
      if (holdOut) for (const t of l.topics) held.set(t, (held.get(t) ?? 0) + 1);
    }
  }
  for (const l of order) if (!decided.has(l.id)) decided.set(l.id, idHash(l.id) < share);
  return {
    train: labelled.filter((l) => !decided.get(l.id)),
    heldOut: labelled.filter((l) => decided.get(l.id)),
  };
}
