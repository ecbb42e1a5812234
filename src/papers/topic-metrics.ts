/** Precision, recall and F1 of predicted topics against labelled ones, per topic and micro-averaged. Pure. */

export interface TopicCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface TopicScores extends TopicCounts {
  precision: number;
  recall: number;
  f1: number;
  /** Papers labelled with the topic. */
  support: number;
}

export interface TopicEvaluation {
  perTopic: Map<string, TopicScores>;
  /** Over every (paper, topic) pair of the given topics. */
  micro: TopicScores;
}

/** `truth` and `predicted` are parallel: the labelled and the predicted topics of each paper. */
export function evaluateTopics(
  truth: string[][],
  predicted: string[][],
  slugs: string[],
): TopicEvaluation {
  const counts = new Map(
    slugs.map((s) => [s, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }]),
  );
  truth.forEach((labels, i) => {
    const guess = new Set(predicted[i] ?? []);
    for (const [slug, c] of counts) {
      const labelled = labels.includes(slug);
      if (labelled && guess.has(slug)) c.truePositives++;
      else if (guess.has(slug)) c.falsePositives++;
      else if (labelled) c.falseNegatives++;
    }
  });
  const total = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
  for (const c of counts.values()) {
    total.truePositives += c.truePositives;
    total.falsePositives += c.falsePositives;
    total.falseNegatives += c.falseNegatives;
  }
  return {
    perTopic: new Map([...counts].map(([slug, c]) => [slug, scoresOf(c)])),
    micro: scoresOf(total),
  };
}

function scoresOf(c: TopicCounts): TopicScores {
  const predicted = c.truePositives + c.falsePositives;
  const support = c.truePositives + c.falseNegatives;
  // Nothing predicted: precision 0 when the topic had papers (as sklearn does), 1 when none.
  const precision = predicted ? c.truePositives / predicted : support ? 0 : 1;
  const recall = support ? c.truePositives / support : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, precision, recall, f1, support };
}
