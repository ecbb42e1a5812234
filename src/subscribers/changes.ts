import type { PreferencesView } from "./preferences.ts";

export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];

export const hourLabel = (hour: number) => `${hour}:00`;

const listLabel = (items: string[]) => (items.length ? items.join(", ") : "none");

/**
 * What a save changed, one readable line per setting, e.g. "Send hour: 8:00 → 7:00".
 * `topicName` turns a slug into the name readers see.
 */
export function describeChanges(
  before: PreferencesView,
  after: PreferencesView,
  topicName: (slug: string) => string = (s) => s,
): string[] {
  const lines: string[] = [];
  const added = after.topics.filter((t) => !before.topics.includes(t)).map(topicName);
  const removed = before.topics.filter((t) => !after.topics.includes(t)).map(topicName);
  if (added.length) lines.push(`Topics added: ${added.join(", ")}`);
  if (removed.length) lines.push(`Topics removed: ${removed.join(", ")}`);
  const scalar = (label: string, a: string, b: string) => {
    if (a !== b) lines.push(`${label}: ${a} → ${b}`);
  };
  scalar("Keywords", listLabel(before.keywords), listLabel(after.keywords));
  scalar("Authors", listLabel(before.authors), listLabel(after.authors));
  const mutedTopics = (p: PreferencesView) => listLabel(p.muted_topics.map(topicName));
  scalar("Muted topics", mutedTopics(before), mutedTopics(after));
  scalar("Muted keywords", listLabel(before.muted_keywords), listLabel(after.muted_keywords));
  scalar("Muted authors", listLabel(before.muted_authors), listLabel(after.muted_authors));
  scalar("Frequency", before.frequency, after.frequency);
  scalar("Weekly digest day", WEEKDAYS[before.weekly_day]!, WEEKDAYS[after.weekly_day]!);
  scalar("Send hour", hourLabel(before.send_hour), hourLabel(after.send_hour));
  scalar("Time zone", before.timezone, after.timezone);
  scalar("Papers per digest", String(before.max_papers), String(after.max_papers));
  scalar("Minimum upvotes", String(before.min_upvotes), String(after.min_upvotes));
  const skip = (v: boolean) => (v ? "skip empty days" : "mail even when nothing matches");
  scalar("Empty days", skip(before.skip_empty), skip(after.skip_empty));
  scalar("Paused until", before.paused_until ?? "not paused", after.paused_until ?? "not paused");
  return lines;
}
