/**
 * A fast, in-memory replay of the relevance benchmark for tuning (no database, no mail): the
 * same personas, judgements, selection (selectPapers) and training (modelFromPapers) on the
 * shared days, voting as the benchmark does. The benchmark (`npm run bench -- relevance`) is
 * the measure; this only makes trying a ranking change take seconds. `--who ID` prints that
 * reader's digests with grades, the model's match weights and each judged paper's relevance.
 * Environment switches: T_NOLEARN=1 (no training: the prior alone), T_STATS=1 (share wanted per
 * kind of match, tuning readers), T_MUST=1 (scoring-day must-reads per kind of match),
 * T_CUT=1 (must-reads over the floor that max_papers cut).
 */
import { readFileSync } from "node:fs";
import { modelFromPapers } from "../src/digests/learn.ts";
import { priorLogit, readerMatcher } from "../src/digests/match.ts";
import { modelScore, paperFeatures, type ReaderModel } from "../src/digests/reader-model.ts";
import { selectPapers } from "../src/digests/select.ts";
import { classifyPaper } from "../src/papers/classify.ts";
import { parseHfDailyPapers } from "../src/papers/hf.ts";
import type { EditionPaper } from "../src/papers/repository.ts";
import { loadTopicModel } from "../src/papers/topic-model.ts";
import { loadRelevanceData, sharedDays } from "./bench/relevance-data.ts";
import { addEdition, emptyTally, precision, recall, sumTallies } from "./bench/relevance-score.ts";

const who = process.argv.includes("--who") ? process.argv[process.argv.indexOf("--who") + 1] : "";
const data = loadRelevanceData("data/relevance");
const topicModel = loadTopicModel();
const days = sharedDays();
const learnDays = 9;
const byId = new Map<string, EditionPaper>();
for (const day of days) {
  const { papers } = parseHfDailyPapers(JSON.parse(readFileSync(day.file, "utf8")), {
    date: day.date,
  });
  for (const p of papers) {
    if (byId.has(p.id)) continue;
    byId.set(p.id, {
      ...(p as unknown as EditionPaper),
      topics: classifyPaper(topicModel, p),
    });
  }
}
const editions = days.map((d) =>
  [...byId.values()]
    .filter((p) => p.listed_on === d.date)
    .sort(
      (a, b) =>
        b.upvotes - a.upvotes ||
        (b.github_stars ?? -1) - (a.github_stars ?? -1) ||
        (a.id < b.id ? -1 : 1),
    ),
);
const features = (p: EditionPaper) => paperFeatures(p, topicModel.space);

const cut: string[] = [];
const results = data.personas.map((persona) => {
  const sent = new Set<string>();
  const votes = new Map<string, 1 | -1>();
  const sentOrder: { id: string; day: number }[] = [];
  const dayMs = (i: number) => Date.parse(days[i]!.date);
  let model: ReaderModel | null = null;
  const tally = emptyTally();
  days.forEach((day, i) => {
    const prefs = {
      topics: persona.topics,
      keywords: persona.keywords,
      authors: persona.authors,
      maxPapers: persona.max_papers,
      minUpvotes: 0,
      skipEmpty: true,
      model,
    };
    const picked = selectPapers(prefs, editions[i]!, sent, {}, features).papers;
    if (process.env.T_CUT && i >= learnDays && !persona.held_out) {
      const all = selectPapers(
        { ...prefs, maxPapers: 1000 },
        editions[i]!,
        sent,
        {},
        features,
      ).papers;
      const ids = new Set(picked.map((p) => p.paper.id));
      for (const p of all) {
        if (!ids.has(p.paper.id) && (data.judgements[p.paper.id]?.[persona.id] ?? 0) === 2)
          cut.push(`${persona.id} ${p.paper.id}`);
      }
    }
    const ids = picked.map((p) => p.paper.id);
    const grade = (id: string) => data.judgements[id]?.[persona.id] ?? 0;
    if (persona.id === who) {
      console.log(
        day.date,
        picked
          .map(
            (p) => `${p.paper.id}:${grade(p.paper.id)} ${p.reasons.map((r) => r.kind[0]).join("")}`,
          )
          .join("  "),
      );
    }
    if (persona.id === who && model) {
      const m = readerMatcher(persona);
      for (const p of editions[i]!) {
        if (grade(p.id) === 0 && !ids.includes(p.id)) continue;
        const mm = m(p);
        const score = modelScore(
          model,
          features(p),
          mm.matchFeatures,
          priorLogit(mm, persona.topics.length > 0),
        );
        console.log(
          `    ${ids.includes(p.id) ? "SENT" : "miss"} ${p.id}:${grade(p.id)} prior ${priorLogit(mm, persona.topics.length > 0).toFixed(2)} p ${score.toFixed(2)} ▲${p.upvotes} ${p.title.slice(0, 60)}`,
        );
      }
    }
    for (const id of ids) {
      sent.add(id);
      sentOrder.unshift({ id, day: i });
    }
    if (i < learnDays) {
      for (const id of ids) if (grade(id) !== 1) votes.set(id, grade(id) === 2 ? 1 : -1);
      const training = [
        ...[...votes.keys()].reverse().map((id) => ({ ...byId.get(id)!, vote: votes.get(id)! })),
        ...sentOrder
          .filter((s) => !votes.has(s.id) && dayMs(i) - dayMs(s.day) < 14 * 86_400_000)
          .map((s) => ({ ...byId.get(s.id)!, vote: 0 as const })),
      ];
      if (process.env.T_BG) {
        for (let d = 0; d <= i; d++) {
          if (dayMs(i) - dayMs(d) >= 14 * 86_400_000) continue;
          for (const p of editions[d]!) {
            if (!sent.has(p.id) && !votes.has(p.id)) training.push({ ...p, vote: 0 as const });
          }
        }
      }
      if (votes.size && !process.env.T_NOLEARN)
        model = modelFromPapers(training, persona, topicModel);
      if (persona.id === who && model) console.log("  match", model.match, "bias", model.bias);
    } else {
      addEdition(tally, persona.id, editions[i]!, ids, data.judgements);
    }
  });
  return { persona, tally };
});

const show = (label: string, ts: typeof results) => {
  const t = sumTallies(ts.map((r) => r.tally));
  console.log(
    `${label.padEnd(18)} ${precision(t).toFixed(2)} / ${recall(t).toFixed(2)} (${t.sent})`,
  );
};
for (const r of results) show(r.persona.id + (r.persona.held_out ? "*" : ""), [r]);
show(
  "TUNING",
  results.filter((r) => !r.persona.held_out),
);
show(
  "held-out",
  results.filter((r) => r.persona.held_out),
);

if (process.env.T_STATS) {
  const stats = new Map<string, number[]>();
  for (const persona of data.personas.filter((p) => !p.held_out)) {
    const m = readerMatcher(persona);
    for (const p of byId.values()) {
      const mm = m(p);
      const f = mm.matchFeatures;
      const topicBand = f[0]! === 0 ? "-" : f[0]! < 0.5 ? "t<.5" : f[0]! < 0.8 ? "t<.8" : "t>=.8";
      const kw = f[1] ? "K" : f[2] ? "k" : "-";
      const key = `${topicBand} ${kw}`;
      const g = data.judgements[p.id]?.[persona.id] ?? 0;
      const s = stats.get(key) ?? [0, 0, 0];
      s[g]!++;
      stats.set(key, s);
    }
  }
  for (const [k, s] of [...stats].sort()) {
    const n = s[0]! + s[1]! + s[2]!;
    console.log(
      k.padEnd(10),
      n,
      "P>=1",
      ((s[1]! + s[2]!) / n).toFixed(2),
      "P2",
      (s[2]! / n).toFixed(2),
    );
  }
}

if (process.env.T_MUST) {
  const scoring = new Set(days.slice(learnDays).map((d) => d.date));
  const count = new Map<string, number>();
  for (const persona of data.personas.filter((p) => !p.held_out)) {
    const m = readerMatcher(persona);
    for (const p of byId.values()) {
      if (!scoring.has(p.listed_on) || (data.judgements[p.id]?.[persona.id] ?? 0) !== 2) continue;
      const f = m(p).matchFeatures;
      const kind = `${f[0] ? "t" : "-"}${f[1] ? "K" : f[2] ? "k" : "-"}`;
      count.set(kind, (count.get(kind) ?? 0) + 1);
    }
  }
  console.log([...count]);
}

if (process.env.T_CUT) console.log("must-reads over the floor but cut by max_papers:", cut);
