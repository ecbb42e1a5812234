import { classifyPaper } from "../../src/papers/classify.ts";
import { loadTopicModel } from "../../src/papers/topic-model.ts";
import { comparisonTable, evaluateClassifiers, impreciseTopics } from "../topics-eval.ts";
import { intFlag, onlyFlags, printResult, printTable, round } from "./common.ts";

/**
 * Topic quality of the shipped model (data/models/topics.json) against today's rules: on the
 * held-out labels, then by cross-validation on the training labels; then the model's CPU time
 * per paper. No database.
 */
export async function topicsBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["runs"]);
  const runs = intFlag(flags, "runs", 20);
  const model = loadTopicModel();
  const ev = evaluateClassifiers(model);
  console.log(`\nheld-out part: ${ev.heldOut.length} papers (never used for any choice)\n`);
  console.log(comparisonTable(ev.heldOutModel, ev.heldOutRules).join("\n"));
  console.log(`\n5-fold cross-validation on the training part: ${ev.train.length} papers\n`);
  console.log(comparisonTable(ev.cvModel, ev.cvRules).join("\n"));

  const papers = [...ev.train, ...ev.heldOut].map((l) => l.paper);
  const before = process.cpuUsage();
  for (let r = 0; r < runs; r++) for (const p of papers) classifyPaper(model, p);
  const cpu = process.cpuUsage(before);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perSecond = (runs * papers.length) / cpuSeconds;
  printTable("classification speed", [
    ["papers classified", runs * papers.length],
    ["CPU seconds", round(cpuSeconds, 2)],
    ["papers per CPU second", Math.round(perSecond)],
  ]);
  const micro = (e: typeof ev.heldOutModel) => ({
    precision: round(e.micro.precision, 3),
    recall: round(e.micro.recall, 3),
    f1: round(e.micro.f1, 3),
  });
  printResult({
    bench: "topics",
    heldOutPapers: ev.heldOut.length,
    trainPapers: ev.train.length,
    heldOut: { model: micro(ev.heldOutModel), rules: micro(ev.heldOutRules) },
    crossValidated: { model: micro(ev.cvModel), rules: micro(ev.cvRules) },
    heldOutTopicsBelowPrecision07: impreciseTopics(ev.heldOutModel),
    papersPerCpuSecond: Math.round(perSecond),
  });
}
