import type { Frequency } from "../platform/db/schema.ts";

/** A reader's settings as the preferences page and API show them. */
export interface PreferencesView {
  topics: string[];
  keywords: string[];
  authors: string[];
  muted_topics: string[];
  muted_keywords: string[];
  muted_authors: string[];
  frequency: Frequency;
  weekly_day: number;
  send_hour: number;
  timezone: string;
  max_papers: number;
  min_upvotes: number;
  skip_empty: boolean;
  paused_until: string | null;
}

/**
 * A reader's settings until they change them, the only place in code these values live. The
 * schema's column defaults (migrations/) are the same values, which a test holds them to.
 */
export const DEFAULT_PREFERENCES: Readonly<PreferencesView> = {
  topics: [],
  keywords: [],
  authors: [],
  muted_topics: [],
  muted_keywords: [],
  muted_authors: [],
  frequency: "daily",
  weekly_day: 1,
  send_hour: 8,
  timezone: "UTC",
  max_papers: 10,
  min_upvotes: 0,
  skip_empty: true,
  paused_until: null,
};
