// Compares training options by nested cross-validation on the training part only (never the
// held-out part). `npx tsx scripts/topics-cv.ts '<json overrides>' …`: for each set of
// overrides, every outer fold's model is fitted once and its thresholds chosen on inner folds
// for each precision floor in `floors`, so a sweep of floors costs one set of fits.
import { fileURLToPath } from "node:url";
import { evaluateTopics } from "../src/papers/topic-metrics.ts";
import { decideTopics, topicEvidence } from "../src/papers/topic-model.ts";
import {
  chooseDecision,
  DEFAULT_TRAINING,
  fitTopicModel,
  foldOf,
  type LabelledPaper,
  outOfFoldProbabilities,
  type TrainingOptions,
} from "../src/papers/topic-training.ts";
import { labelledPapers, splitLabels } from "./topics-data.ts";
import { SLUGS } from "./topics-eval.ts";

const FLOORS = [0.5, 0.6, 0.65, 0.7, 0.75];
const OUTER_FOLDS = 5;

/** Cross-validated topics of `train` for each floor in `floors` (same fits for all). */
export function crossValidateFloors(
  train: LabelledPaper[],
  options: TrainingOptions,
  floors: number[],
): string[][][] {
  // Outer folds stay 5 whatever `options.folds` (the inner folds that choose thresholds) is.
  const fold = foldOf(train, OUTER_FOLDS);
  const predicted = floors.map(() => new Array<string[]>(train.length));
  for (let f = 0; f < OUTER_FOLDS; f++) {
    const part = train.filter((_, i) => fold[i] !== f);
    const model = fitTopicModel(part, SLUGS, options);
    const inner = outOfFoldProbabilities(part, SLUGS, options);
    const outer = train.map((l, i) => (fold[i] === f ? topicEvidence(model, l.paper) : null));
    floors.forEach((floor, k) => {
      const decided = chooseDecision(structuredClone(model), part, inner, {
        ...options,
        minPrecision: floor,
      });
      train.forEach((_, i) => {
        const evidence = outer[i];
        if (!evidence) return;
        predicted[k]![i] = decideTopics(decided, evidence.probabilities, evidence.lexicon).map(
          (t) => t.slug,
        );
      });
    });
  }
  return predicted;
}

const f3 = (x: number) => x.toFixed(3);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { train } = splitLabels(labelledPapers());
  const truth = train.map((l) => l.topics);
  for (const arg of process.argv.slice(2)) {
    const overrides = JSON.parse(arg) as Partial<TrainingOptions>;
    const options = { ...DEFAULT_TRAINING, ...overrides };
    options.features = { ...DEFAULT_TRAINING.features, ...overrides.features };
    const started = performance.now();
    const byFloor = crossValidateFloors(train, options, FLOORS);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    byFloor.forEach((predicted, k) => {
      const ev = evaluateTopics(truth, predicted, SLUGS);
      const low = SLUGS.filter((s) => ev.perTopic.get(s)!.precision < 0.7);
      const m = ev.micro;
      console.log(
        `${arg} floor ${FLOORS[k]}\tP ${f3(m.precision)} R ${f3(m.recall)} F1 ${f3(m.f1)}\tlowP ${low.join(",")}\t${seconds}s`,
      );
      if (process.env.PER_TOPIC !== String(FLOORS[k])) return;
      for (const slug of SLUGS) {
        const t = ev.perTopic.get(slug)!;
        console.log(`  ${slug}\t${t.support}\tP ${f3(t.precision)} R ${f3(t.recall)}`);
      }
    });
  }
}
