import { readFile } from "node:fs/promises";
import mjml2html from "mjml";
import { createDigestMimeBuilder } from "../../src/delivery/mime.ts";
import { listHeaders } from "../../src/digests/headers.ts";
import { renderPlainText } from "../../src/digests/plain-text.ts";
import { selectPapers } from "../../src/digests/select.ts";
import { type DigestView, digestView } from "../../src/digests/view.ts";
import { TOPICS } from "../../src/papers/taxonomy.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { loadMjmlTemplate, templatesDir } from "../../src/platform/templates.ts";
import { subscriberLinks } from "../../src/subscribers/tokens.ts";
import {
  BENCH_SITE,
  intFlag,
  machine,
  onlyFlags,
  printMachine,
  printResult,
  printTable,
  quantile,
  round,
} from "./common.ts";
import { editionPapers } from "./papers.ts";
import { DEFAULT_DAY } from "./seed.ts";

/** Time `fn` `runs` times (after a warm-up); sorted durations in µs. */
function timeEach(runs: number, fn: (i: number) => void): Float64Array {
  for (let i = 0; i < Math.min(500, runs); i++) fn(i);
  const out = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i);
    out[i] = (performance.now() - t) * 1000;
  }
  return out.sort();
}

/**
 * The per-message cost of a digest once the template is compiled: the Handlebars fill of the
 * MJML output (20 papers), the plain-text part and the raw MIME, against one mjml2html call.
 */
export async function renderBench(flags: Map<string, string>): Promise<void> {
  onlyFlags(flags, ["runs", "papers"]);
  const m = await machine();
  printMachine(m);
  const runs = intFlag(flags, "runs", 20_000);
  const count = intFlag(flags, "papers", 20);
  const config = loadConfig(BENCH_SITE);
  const papers = editionPapers(DEFAULT_DAY);
  if (papers.length < count) throw new Error(`${DEFAULT_DAY} has only ${papers.length} papers`);
  const topicNames = Object.fromEntries(TOPICS.map((t) => [t.slug, t.name]));
  const topics = ["llms", "agents", "reasoning"];
  const selection = selectPapers(
    { topics: [], keywords: [], authors: [], maxPapers: count, minUpvotes: 0, skipEmpty: false },
    papers,
    new Set(),
    topicNames,
  );
  const views: DigestView[] = Array.from({ length: 64 }, (_, i) =>
    digestView({
      email: `reader${i}@example.test`,
      editionDate: DEFAULT_DAY,
      frequency: "daily",
      selection,
      topicNames: topics.map((t) => topicNames[t] ?? t),
      publicUrl: config.PUBLIC_URL,
      links: subscriberLinks(config.PUBLIC_URL, config.APP_SECRET, { id: i, token_version: 1 }),
    }),
  );
  const template = await loadMjmlTemplate<DigestView>("digest");
  const build = createDigestMimeBuilder(config.MAIL_FROM);
  const headers = listHeaders(config, views[0]!.links.unsubscribe);
  const view = (i: number) => views[i % views.length]!;

  const fill = timeEach(runs, (i) => template(view(i)));
  const text = timeEach(runs, (i) => renderPlainText(view(i)));
  const html = template(views[0]!);
  const plain = renderPlainText(views[0]!);
  const mime = timeEach(runs, (i) =>
    build({
      to: `reader${i}@example.test`,
      subject: views[0]!.subject,
      text: plain,
      html,
      headers,
      messageId: `digest.${i}.${DEFAULT_DAY}@paperboy.bench`,
      date: new Date(),
    }),
  );
  const source = await readFile(new URL("digest.mjml", templatesDir), "utf8");
  const mjmlRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await mjml2html(source, { validationLevel: "strict", keepComments: false });
    mjmlRuns.push((performance.now() - t) * 1000);
  }
  mjmlRuns.sort((a, b) => a - b);
  const mjmlMedian = quantile(mjmlRuns, 0.5);

  const row = (name: string, t: Float64Array): [string, string] => [
    name,
    `median ${round(quantile(t, 0.5))} µs, p99 ${round(quantile(t, 0.99))} µs`,
  ];
  printTable(`render (${count} papers, ${runs} runs each)`, [
    row("HTML: fill compiled template", fill),
    row("text part", text),
    row("raw MIME (both parts, base64)", mime),
    ["one mjml2html call (median of 5)", `${round(mjmlMedian)} µs`],
    ["mjml2html / template fill", `${Math.round(mjmlMedian / quantile(fill, 0.5))}×`],
    ["HTML size", `${Buffer.byteLength(html)} bytes`],
  ]);
  printResult({
    bench: "render",
    machine: m,
    papers: count,
    runs,
    fillMedianUs: round(quantile(fill, 0.5)),
    fillP99Us: round(quantile(fill, 0.99)),
    textMedianUs: round(quantile(text, 0.5)),
    mimeMedianUs: round(quantile(mime, 0.5)),
    mimeP99Us: round(quantile(mime, 0.99)),
    mjmlUs: round(mjmlMedian),
    htmlBytes: Buffer.byteLength(html),
  });
}
