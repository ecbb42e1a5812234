import type { PreferencesView } from "./repository.ts";

/**
 * A reader's settings until they change them, the only place in code these values live. The
 * schema's column defaults (migrations/) are the same values, which a test holds them to.
 */
export const DEFAULT_PREFERENCES: Readonly<PreferencesView> = {
  topics: [],
  keywords: [],
  authors: [],
  frequency: "daily",
  weekly_day: 1,
  send_hour: 8,
  timezone: "UTC",
  max_papers: 10,
  min_upvotes: 0,
  skip_empty: true,
  paused_until: null,
};
