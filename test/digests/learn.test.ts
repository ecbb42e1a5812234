import { describe, expect, it } from "vitest";
import { modelFromPapers } from "../../src/digests/learn.ts";
import type { TrainingPaper } from "../../src/digests/repository.ts";
import { paperVector, spaceId } from "../../src/papers/topic-features.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { samplePapers } from "./sample.ts";

const topicModel = loadTopicModel();
const interests = { topics: ["agents"], keywords: ["GUI agent"], authors: [] };

/** A reader's votes and sent papers over a real day, as trainingPapers returns them. */
function trainingPapers(vectors: "stored" | "none" | "stale"): TrainingPaper[] {
  return samplePapers("2026-08-18").map((p, i) => ({
    ...p,
    vote: i % 3 === 0 ? 1 : i % 3 === 1 ? -1 : 0,
    vector: vectors === "none" ? null : paperVector(p, topicModel.space),
    // "stale": indexed under another topic model, whose feature numbers mean other words.
    vector_space: vectors === "stale" ? "another-model" : spaceId(topicModel.space),
  }));
}

describe("a reader's retraining reads the features stored at ingest", () => {
  it("trains the same model from stored features as from the papers' text", () => {
    const fromText = modelFromPapers(trainingPapers("none"), interests, topicModel);
    expect(fromText).not.toBeNull();
    expect(modelFromPapers(trainingPapers("stored"), interests, topicModel)).toEqual(fromText);
  });

  it("reads them rather than the text when they are in the model's space", () => {
    const planted = trainingPapers("stored").map((p) => ({
      ...p,
      vector: { indices: [0, 1, 2], values: [1, 1, 1] },
    }));
    expect(modelFromPapers(planted, interests, topicModel)).not.toEqual(
      modelFromPapers(trainingPapers("none"), interests, topicModel),
    );
  });

  it("recomputes features stored in another model's space instead of reading them", () => {
    const stale = trainingPapers("stale").map((p) => ({
      ...p,
      vector: { indices: [0, 1, 2], values: [1, 1, 1] }, // would train on nonsense if read
    }));
    expect(modelFromPapers(stale, interests, topicModel)).toEqual(
      modelFromPapers(trainingPapers("none"), interests, topicModel),
    );
  });
});
