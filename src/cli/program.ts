import { Command, InvalidArgumentError, Option } from "commander";
import { isIsoDate } from "../platform/clock.ts";
import type { Env, Run } from "./command.ts";

/**
 * Every command, its arguments, options and example, declared with commander. Nothing here
 * may import a command's implementation: each is loaded when its command runs, so `--help`
 * and argument errors answer without compiling the app.
 */
export function buildProgram(
  env: Env,
  exit: (code: number) => void,
  writeOut: (text: string) => void,
): Command {
  const lazy: Lazy =
    (load) =>
    async (...args) =>
      exit(await (await load())(env, ...args));
  const program = new Command("paperboy")
    .usage("<command> [options]")
    .description("Trending research papers by email, at each reader's hour.")
    // Before any subcommand exists: each copies it. Errors: cli.ts says them in one line.
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} })
    .configureHelp({ subcommandTerm: (c) => c.name(), sortSubcommands: false })
    .exitOverride()
    .addHelpText(
      "after",
      "\nRun 'paperboy <command> --help' for a command's options and an example.\n" +
        "Configuration comes from the environment and .env (see .env.example).",
    );
  addProcesses(program, lazy);
  addPapers(program, lazy);
  addDigests(program, lazy);
  addSubscribers(program, lazy);
  return program;
}

/** The action of a command whose implementation `load` imports when it runs. */
type Lazy = <A extends unknown[]>(load: () => Promise<Run<A>>) => (...args: A) => Promise<void>;

function addProcesses(program: Command, lazy: Lazy): void {
  command(program, "serve", "HTTP server: API, pages, unsubscribe, health, metrics")
    .description("Serve the API, the pages, one-click unsubscribe, /healthz, /readyz and /metrics.")
    .action(lazy(() => import("./commands/serve.ts").then((m) => m.serve)));

  command(program, "worker", "queue workers and schedules: ingest, plan, deliver")
    .description("Run the BullMQ workers and job schedulers (ingest, plan, send). Mail needs one.")
    .action(lazy(() => import("./commands/worker.ts").then((m) => m.worker)));

  command(program, "migrate", "apply database migrations")
    .description("Apply the database migrations that have not run yet (safe to repeat).")
    .action(lazy(() => import("./commands/migrate.ts").then((m) => m.migrate)));

  command(program, "dev", "everything in one process, for a laptop")
    .description(
      "Migrate, load the sample papers, then serve and run the workers in one process; " +
        "without SMTP_URL, mail goes to the dev outbox (/dev/outbox).",
    )
    .action(lazy(() => import("./commands/dev.ts").then((m) => m.dev)));
}

function addPapers(program: Command, lazy: Lazy): void {
  command(program, "ingest", "load papers from files, directories or URLs", [
    "paperboy ingest data/sample/hf-daily-papers-sample.json",
    "paperboy ingest 'https://huggingface.co/api/daily_papers?date=2026-08-18'",
  ])
    .description(
      "Load papers: Hugging Face Daily Papers JSON or arXiv Atom/RSS, from files, directories " +
        "(every .json/.xml) or URLs. Prints inserted / updated / unchanged / rejected per input.",
    )
    .argument("<input...>", "files, directories or URLs")
    .addOption(
      new Option("--source <kind>", "input format, detected when omitted").choices(["hf", "arxiv"]),
    )
    .addOption(dateOption("the edition the papers belong to, when the input does not say"))
    .action(lazy(() => import("./commands/ingest.ts").then((m) => m.ingestPapers)));

  const topics = command(program, "topics", "list the topics, or recompute papers' topics", [
    "paperboy topics list",
  ])
    .description("The curated topics readers choose from.")
    .usage("<list|reclassify>")
    .helpCommand(false);
  command(topics, "list", "every topic's slug and name", ["paperboy topics list"])
    .description("List every topic: the slug (for CSV imports and the API) and its name.")
    .action(lazy(() => import("./commands/topics.ts").then((m) => m.listTopics)));
  command(
    topics,
    "reclassify",
    "sync the taxonomy and recompute every paper's topics and features",
    ["paperboy topics reclassify"],
  )
    .description("Sync the topics table with the taxonomy, then recompute every paper's topics.")
    .action(lazy(() => import("./commands/topics.ts").then((m) => m.reclassify)));
}

function addDigests(program: Command, lazy: Lazy): void {
  command(program, "digest", "build and send an edition now", ["paperboy digest --date 2026-08-18"])
    .description(
      "Send an edition now to every active reader, whatever their hour (the daily job, on " +
        "demand), with progress and a summary. Running it again sends nothing new.",
    )
    .addOption(dateOption("the edition (default: the newest complete one)"))
    .addOption(
      new Option(
        "--wait <minutes>",
        "how long to wait for unfinished deliveries (relay retries, other workers' claims) before naming them and exiting 1",
      )
        .default(10)
        .argParser((value) => {
          const minutes = Number(value);
          if (!(minutes >= 0 && minutes <= 1440)) {
            throw new InvalidArgumentError("Expected minutes between 0 and 1440.");
          }
          return minutes;
        }),
    )
    .action(lazy(() => import("./commands/digest.ts").then((m) => m.digest)));

  command(program, "preview", "show the digest one reader would get", [
    "paperboy preview --email ada@example.com",
    "paperboy preview --email ada@example.com --date 2026-08-18 --out digest.html",
  ])
    .description("Show the digest a reader would get: subject and text, or the HTML with --out.")
    .requiredOption("--email <address>", "the reader's address")
    .addOption(dateOption("the edition (default: the newest)"))
    .option("--out <file.html>", "write the HTML there instead of printing the text")
    .action(lazy(() => import("./commands/preview.ts").then((m) => m.preview)));
}

function addSubscribers(program: Command, lazy: Lazy): void {
  const subscribers = command(program, "subscribers", "import or export the list as CSV", [
    "paperboy subscribers export > readers.csv",
  ])
    .description(
      "Move the subscriber list in or out as CSV (email, topics a;b, timezone, frequency).",
    )
    .usage("<import|export>")
    .helpCommand(false);
  command(subscribers, "import", "add or update subscribers from a CSV file", [
    "paperboy subscribers import readers.csv",
    "paperboy subscribers import opted-in.csv --confirmed",
    "paperboy subscribers import changes.csv --update",
  ])
    .description(
      "Import a CSV (header row; columns email, then any of status, topics, keywords, authors, " +
        "muted_topics, muted_keywords, muted_authors (lists separated by ';'), timezone, " +
        "frequency, weekly_day, send_hour, max_papers, min_upvotes, skip_empty, paused_until, " +
        "as export writes them). Sends NO mail: new rows are pending, or active with " +
        "--confirmed. Existing readers keep their preferences unless --update. Bad rows are " +
        "reported by line and skipped.",
    )
    .argument("<file.csv>", "the CSV file")
    .option("--confirmed", "the addresses already opted in elsewhere: make them active")
    .option("--update", "replace existing readers' preferences with the file's columns")
    .action(lazy(() => import("./commands/subscribers.ts").then((m) => m.importCsv)));
  command(subscribers, "export", "write every subscriber as CSV to stdout", [
    "paperboy subscribers export > readers.csv",
  ])
    .description(
      "Write every subscriber, with status, every preference and dates, as CSV to stdout " +
        "(the import format: a backup that imports back unchanged).",
    )
    .action(lazy(() => import("./commands/subscribers.ts").then((m) => m.exportCsv)));
}

/** A subcommand: its one-line summary for the parent's list, and examples under its help. */
function command(
  parent: Command,
  name: string,
  summary: string,
  examples = [`paperboy ${name}`],
): Command {
  const sub = parent.command(name).summary(summary);
  if (examples.length) {
    const heading = examples.length > 1 ? "Examples" : "Example";
    sub.addHelpText("after", `\n${heading}:\n  ${examples.join("\n  ")}`);
  }
  return sub;
}

function dateOption(description: string): Option {
  return new Option("--date <YYYY-MM-DD>", description).argParser((value) => {
    if (!isIsoDate(value)) throw new InvalidArgumentError("Expected a date like 2026-08-18.");
    return value;
  });
}
