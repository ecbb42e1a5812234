// Trains the topic model on the training part of data/labels and writes data/models/topics.json:
//   npm run train:topics
// Deterministic: the same labels, texts and options always write the same file (a test checks
// that the shipped file equals a fresh run). The held-out part is not read for anything.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TOPICS } from "../src/papers/taxonomy.ts";
import { serialiseTopicModel } from "../src/papers/topic-model.ts";
import { trainTopicModel } from "../src/papers/topic-training.ts";
import { labelledPapers, MODEL_FILE, splitLabels } from "./topics-data.ts";

/** The shipped model's text, trained afresh. */
export function trainShippedModel(): string {
  const { train } = splitLabels(labelledPapers());
  return serialiseTopicModel(
    trainTopicModel(
      train,
      TOPICS.map((t) => t.slug),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const text = trainShippedModel();
  writeFileSync(MODEL_FILE, text);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`wrote ${fileURLToPath(MODEL_FILE)} (${text.length} bytes) in ${seconds} s`);
}
