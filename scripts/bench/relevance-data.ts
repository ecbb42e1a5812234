import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DATA_DIR } from "./common.ts";

/**
 * The relevance benchmark's inputs: reader personas and their 0/1/2 judgements of every paper
 * (data/relevance/, written by reading each title and abstract; see its README), and the shared
 * days in date order.
 */
export interface Persona {
  id: string;
  interest: string;
  topics: string[];
  keywords: string[];
  authors: string[];
  max_papers: number;
  /** Reported apart: the ranking is never tuned on these readers. */
  held_out: boolean;
}

/** 2 = must-read, 1 = relevant, 0 = not for them; by paper id, then persona id. */
export type Judgements = Record<string, Record<string, 0 | 1 | 2>>;

export interface RelevanceData {
  personas: Persona[];
  judgements: Judgements;
}

const strings = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
    throw new Error(`${what} must be an array of strings`);
  }
  return v as string[];
};

function asPersona(raw: unknown, at: number): Persona {
  const p = raw as Record<string, unknown>;
  const where = `personas.json[${at}]`;
  if (typeof p?.id !== "string" || p.id === "") throw new Error(`${where}: id must be a string`);
  const max = p.max_papers;
  if (!Number.isInteger(max) || (max as number) < 1) {
    throw new Error(`${where} (${p.id}): max_papers must be a positive integer`);
  }
  return {
    id: p.id,
    interest: String(p.interest ?? ""),
    topics: strings(p.topics ?? [], `${where}.topics`),
    keywords: strings(p.keywords ?? [], `${where}.keywords`),
    authors: strings(p.authors ?? [], `${where}.authors`),
    max_papers: max as number,
    held_out: p.held_out === true,
  };
}

/** Read and check personas.json and judgements.json in `dir`; a bad file is a one-line error. */
export function loadRelevanceData(dir: string): RelevanceData {
  const read = (name: string): unknown => {
    const file = path.join(dir, name);
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const rawPersonas = read("personas.json");
  if (!Array.isArray(rawPersonas) || rawPersonas.length === 0) {
    throw new Error("personas.json must be a non-empty array");
  }
  const personas = rawPersonas.map(asPersona);
  const ids = new Set(personas.map((p) => p.id));
  if (ids.size !== personas.length) throw new Error("personas.json: persona ids must be unique");
  const judgements = read("judgements.json") as Judgements;
  if (typeof judgements !== "object" || judgements === null || Array.isArray(judgements)) {
    throw new Error("judgements.json must be an object keyed by paper id");
  }
  for (const [paper, byPersona] of Object.entries(judgements)) {
    for (const [persona, grade] of Object.entries(byPersona ?? {})) {
      if (!ids.has(persona))
        throw new Error(`judgements.json: ${paper}: unknown persona ${persona}`);
      if (grade !== 0 && grade !== 1 && grade !== 2) {
        throw new Error(`judgements.json: ${paper}/${persona}: grade must be 0, 1 or 2`);
      }
    }
  }
  return { personas, judgements };
}

export interface SharedDay {
  date: string;
  file: string;
  /** Paper ids in the day's file, as the HF parser reads them. */
  paperIds: string[];
}

/** The shared Hugging Face days, oldest first. */
export function sharedDays(): SharedDay[] {
  const dir = fileURLToPath(DATA_DIR);
  return readdirSync(dir)
    .map((name) => /^hf-daily-papers-(\d{4}-\d{2}-\d{2})\.json$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ date: m[1]!, file: path.join(dir, m[0]), paperIds: [] }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** The days whose papers are all judged for every persona (the judge writes day by day). */
export function judgedDays(
  days: { date: string; paperIds: string[] }[],
  data: RelevanceData,
): { judged: string[]; partial: string[] } {
  const judged: string[] = [];
  const partial: string[] = [];
  for (const day of days) {
    const complete = day.paperIds.every((id) =>
      data.personas.every((p) => data.judgements[id]?.[p.id] !== undefined),
    );
    (complete ? judged : partial).push(day.date);
  }
  return { judged, partial };
}
