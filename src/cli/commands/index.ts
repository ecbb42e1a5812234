import type { Command } from "../command.ts";
import { dev } from "./dev.ts";
import { digest } from "./digest.ts";
import { ingestCommand } from "./ingest.ts";
import { migrate } from "./migrate.ts";
import { preview } from "./preview.ts";
import { serve } from "./serve.ts";
import { subscribers } from "./subscribers.ts";
import { topics } from "./topics.ts";
import { worker } from "./worker.ts";

/** Every CLI command by name, in the order `paperboy --help` lists them. */
export const commands: Record<string, Command> = {
  serve,
  worker,
  migrate,
  dev,
  ingest: ingestCommand,
  digest,
  topics,
  preview,
  subscribers,
};
