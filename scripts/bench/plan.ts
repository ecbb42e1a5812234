import { modelFromPapers } from "../../src/digests/learn.ts";
import {
  type Features,
  paperFeatures,
  type ReaderModel,
  trainReaderModel,
} from "../../src/digests/reader-model.ts";
import { selectPapers } from "../../src/digests/select.ts";
import type { SelectionPreferences } from "../../src/digests/types.ts";
import type { EditionPaper } from "../../src/papers/repository.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { paperVector, spaceId } from "../../src/papers/topic-features.ts";
import { loadTopicModel, type TopicModel } from "../../src/papers/topic-model.ts";
import {
  intFlag,
  machine,
  onlyFlags,
  peakRssMb,
  printMachine,
  printResult,
  printTable,
  round,
} from "./common.ts";
import { editionPapers } from "./papers.ts";
import { DEFAULT_DAY, rng } from "./seed.ts";

const KEYWORDS = [
  "diffusion",
  "reinforcement learning",
  "benchmark",
  "video",
  "retrieval",
  "C++",
  "chain-of-thought",
  "SWE-bench",
  "transformers",
];

/** Share of readers who voted (`--voted`), so their digests are ranked by their own model too. */
const VOTED_SHARE = 0.3;

/** A few dozen distinct models, each from ~10 random votes on the edition's papers. */
function models(papers: EditionPaper[], features: (p: EditionPaper) => Features) {
  const random = rng(11);
  return Array.from({ length: 40 }, () => {
    const voted = papers.filter(() => random() < 0.2);
    return trainReaderModel(
      voted.map((p) => ({
        paper: p,
        features: features(p),
        match: [p.topics[0]?.score ?? 0, 0, 0, 0],
        prior: 0,
        vote: random() < 0.6 ? (1 as const) : (-1 as const),
      })),
    );
  }).filter((m): m is ReaderModel => m !== null);
}

/**
 * CPU time of one reader's retraining as the job does it after a vote (without the database
 * round trip): 40 votes and 80 sent-but-unvoted papers (the most a model trains on:
 * reader-model.ts caps weak negatives at twice the votes) as new objects, as each query
 * returns them, with the features ingest stored; matched against the reader's topics and
 * keywords, then trained. Median and slowest of 21 warm runs.
 */
function trainingCpuMs(papers: EditionPaper[], topicModel: TopicModel) {
  const stored = papers.map((p) => ({
    paper: p,
    vector: paperVector(p, topicModel.space),
    vector_space: spaceId(topicModel.space),
  }));
  const at = (i: number) => stored[i % stored.length]!;
  const interests = { topics: ["agents", "llms"], keywords: ["GUI agent", "RAG"], authors: [] };
  const runs = Array.from({ length: 21 }, () => {
    const fresh = Array.from({ length: 120 }, (_, i) => ({
      ...at(i < 40 ? i : i + 7).paper,
      id: `p${i}`,
      vote: (i >= 40 ? 0 : i % 3 ? -1 : 1) as 1 | -1 | 0,
      vector: at(i < 40 ? i : i + 7).vector,
      vector_space: at(i).vector_space,
    }));
    const start = process.cpuUsage();
    modelFromPapers(fresh, interests, topicModel);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  }).sort((a, b) => a - b);
  return { median: runs[10]!, max: runs[20]! };
}

/** Varied readers: trending-only, topics, keywords, followed authors, mutes, limits, votes. */
function readers(
  count: number,
  authors: string[],
  trained: ReaderModel[],
  votedShare: number,
): SelectionPreferences[] {
  const random = rng(7);
  const slugs = TOPICS.map((t) => t.slug);
  return Array.from({ length: count }, () => ({
    topics: random() < 0.2 ? [] : slugs.filter(() => random() < 0.15),
    keywords: KEYWORDS.filter(() => random() < 0.12),
    authors: random() < 0.1 ? [authors[Math.floor(random() * authors.length)]!] : [],
    maxPapers: 5 + Math.floor(random() * 16),
    minUpvotes: random() < 0.2 ? 5 : 0,
    skipEmpty: false,
    mutes:
      random() < 0.1
        ? {
            topics: [slugs[Math.floor(random() * slugs.length)]!],
            keywords: ["survey"],
            authors: [],
          }
        : undefined,
    // Each reader its own model object (nothing cached across readers), sharing the arrays.
    model: random() < votedShare ? { ...trained[Math.floor(random() * trained.length)]! } : null,
  }));
}

/** selectPapers (the pure planner of each mail's content) for many readers of one edition. */
export async function planBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["subscribers", "voted"]);
  const votedShare = Number(flags.get("voted") ?? VOTED_SHARE);
  if (!(votedShare >= 0 && votedShare <= 1)) throw new Error("--voted takes a share from 0 to 1");
  const m = await machine();
  printMachine(m);
  const count = intFlag(flags, "subscribers", 100_000);
  const papers = editionPapers(DEFAULT_DAY);
  const topicNames = Object.fromEntries(TOPICS.map((t) => [t.slug, t.name]));
  const topicModel = loadTopicModel();
  const space = topicModel.space;
  const features = (p: EditionPaper) => paperFeatures(p, space);
  const prefs = readers(
    count,
    papers.flatMap((p) => p.authors),
    models(papers, features),
    votedShare,
  );
  const none = new Set<string>();
  const heapBefore = process.memoryUsage().heapUsed;
  let picked = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const p of prefs)
    picked += selectPapers(p, papers, none, topicNames, features).papers.length;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const heapAfter = process.memoryUsage().heapUsed;
  const rss = peakRssMb(process.pid) ?? Number.NaN;
  const rate = count / seconds;
  const training = trainingCpuMs(papers, topicModel);
  printTable(
    `plan: selectPapers for ${count} readers (${votedShare * 100} % with a model), ${papers.length} papers of ${DEFAULT_DAY}`,
    [
      ["seconds", round(seconds, 3)],
      ["readers/s", Math.round(rate)],
      ["readers per CPU second (load-independent)", Math.round(count / cpuSeconds)],
      ["papers picked (mean)", round(picked / count, 2)],
      ["peak RSS of the process", `${round(rss)} MB`],
      ["heap growth during the run", `${round((heapAfter - heapBefore) / 2 ** 20)} MB`],
      ["retraining one reader (40 votes + 80 unvoted), CPU ms median", round(training.median, 1)],
      ["same, slowest of 21", round(training.max, 1)],
    ],
  );
  printResult({
    bench: "plan",
    machine: m,
    subscribers: count,
    papers: papers.length,
    seconds: round(seconds, 3),
    subscribersPerSecond: Math.round(rate),
    subscribersPerCpuSecond: Math.round(count / cpuSeconds),
    votedShare,
    peakRssMb: round(rss),
    trainingCpuMsMedian: round(training.median, 1),
  });
}
