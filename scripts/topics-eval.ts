// Measures the shipped topic model and today's rules against the labels: once on the held-out
// part (never used to choose anything), and by 5-fold cross-validation on the training part
// (each fold's model, thresholds included, trained without that fold). Shared by
// `npm run bench -- topics` and scripts/topics-report.ts.
import { classifyPaper } from "../src/papers/classify.ts";
import { TOPICS } from "../src/papers/taxonomy.ts";
import { evaluateTopics, type TopicEvaluation } from "../src/papers/topic-metrics.ts";
import type { TopicModel } from "../src/papers/topic-model.ts";
import { crossValidatedTopics, type LabelledPaper } from "../src/papers/topic-training.ts";
import { classifyByRules } from "./topics-baseline.ts";
import { labelledPapers, splitLabels } from "./topics-data.ts";

export const SLUGS = TOPICS.map((t) => t.slug);

export interface TopicsEvaluation {
  train: LabelledPaper[];
  heldOut: LabelledPaper[];
  heldOutModel: TopicEvaluation;
  heldOutRules: TopicEvaluation;
  cvModel: TopicEvaluation;
  cvRules: TopicEvaluation;
}

const slugsOf = (topics: { slug: string }[]) => topics.map((t) => t.slug);

export function evaluateClassifiers(model: TopicModel): TopicsEvaluation {
  const { train, heldOut } = splitLabels(labelledPapers());
  const truth = (part: LabelledPaper[]) => part.map((l) => l.topics);
  const rules = (part: LabelledPaper[]) =>
    evaluateTopics(
      truth(part),
      part.map((l) => slugsOf(classifyByRules(l.paper))),
      SLUGS,
    );
  return {
    train,
    heldOut,
    heldOutModel: evaluateTopics(
      truth(heldOut),
      heldOut.map((l) => slugsOf(classifyPaper(model, l.paper))),
      SLUGS,
    ),
    heldOutRules: rules(heldOut),
    cvModel: evaluateTopics(truth(train), crossValidatedTopics(train, SLUGS), SLUGS),
    cvRules: rules(train),
  };
}

const f2 = (x: number) => x.toFixed(2);

/** A markdown table: per topic precision, recall, F1, support for the model and the rules. */
export function comparisonTable(model: TopicEvaluation, rules: TopicEvaluation): string[] {
  const lines = [
    "| topic | support | model P | model R | model F1 | rules P | rules R | rules F1 |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const row = (name: string, m: TopicEvaluation["micro"], r: TopicEvaluation["micro"]) =>
    `| ${name} | ${m.support} | ${f2(m.precision)} | ${f2(m.recall)} | ${f2(m.f1)} | ${f2(r.precision)} | ${f2(r.recall)} | ${f2(r.f1)} |`;
  for (const slug of SLUGS)
    lines.push(row(slug, model.perTopic.get(slug)!, rules.perTopic.get(slug)!));
  lines.push(row("**micro**", model.micro, rules.micro));
  return lines;
}

/** Topics whose precision is below `floor` (the target is 0.7 for every topic). */
export function impreciseTopics(evaluation: TopicEvaluation, floor = 0.7): string[] {
  return SLUGS.filter((s) => evaluation.perTopic.get(s)!.precision < floor);
}
