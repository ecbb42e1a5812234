import type { ColumnType, Generated, Selectable } from "kysely";

/** Row types for every table; migrations/ is the source of truth, this mirrors it. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A `date` column, read as 'YYYY-MM-DD' (see the type parser in db/index.ts). */
type IsoDate = ColumnType<string, string, string>;

export type SubscriberStatus = "pending" | "active" | "unsubscribed" | "bounced" | "complained";
export type DeliveryStatus = "pending" | "sending" | "sent" | "skipped" | "failed" | "cancelled";
export type Frequency = "daily" | "weekly";
export type SuppressionReason = "hard_bounce" | "complaint" | "manual";

export interface TopicsTable {
  slug: string;
  name: string;
  description: string;
  position: ColumnType<number, number | undefined, number>;
}

export interface SubscribersTable {
  id: Generated<number>;
  email: string;
  status: ColumnType<SubscriberStatus, SubscriberStatus | undefined, SubscriberStatus>;
  timezone: ColumnType<string, string | undefined, string>;
  token_version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
  confirmation_sent_at: NullableTimestamp;
  /** The claim (confirmation_sent_at) whose mail was handed to the relay: one mail per claim. */
  confirmation_mailed_at: NullableTimestamp;
  source: ColumnType<string, string | undefined, string>;
}

export interface PreferencesTable {
  subscriber_id: number;
  frequency: ColumnType<Frequency, Frequency | undefined, Frequency>;
  /** 0 = Sunday … 6 = Saturday, as Date.getUTCDay(). */
  weekly_day: ColumnType<number, number | undefined, number>;
  send_hour: ColumnType<number, number | undefined, number>;
  max_papers: ColumnType<number, number | undefined, number>;
  min_upvotes: ColumnType<number, number | undefined, number>;
  skip_empty: ColumnType<boolean, boolean | undefined, boolean>;
  paused_until: ColumnType<string | null, string | null | undefined, string | null>;
  keywords: ColumnType<string[], string[] | undefined, string[]>;
  authors: ColumnType<string[], string[] | undefined, string[]>;
  /** Mutes (migration 0002): topic slugs, keywords, author names; a match is never sent. */
  muted_topics: ColumnType<string[], string[] | undefined, string[]>;
  muted_keywords: ColumnType<string[], string[] | undefined, string[]>;
  muted_authors: ColumnType<string[], string[] | undefined, string[]>;
  updated_at: Timestamp;
}

export interface SubscriberTopicsTable {
  subscriber_id: number;
  topic_slug: string;
}

export interface PapersTable {
  id: string;
  title: string;
  abstract: ColumnType<string, string | undefined, string>;
  authors: ColumnType<string[], string[] | undefined, string[]>;
  listed_on: IsoDate;
  published_at: NullableTimestamp;
  upvotes: ColumnType<number, number | undefined, number>;
  num_comments: ColumnType<number, number | undefined, number>;
  ai_summary: string | null;
  ai_keywords: ColumnType<string[], string[] | undefined, string[]>;
  arxiv_categories: ColumnType<string[], string[] | undefined, string[]>;
  github_repo: string | null;
  github_stars: number | null;
  project_page: string | null;
  thumbnail: string | null;
  /** Hugging Face: the organization's name and the submitter's user name. */
  organization: ColumnType<string | null, string | null | undefined, string | null>;
  submitted_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** arXiv: primary category, the authors' comment, journal reference, DOI. */
  primary_category: ColumnType<string | null, string | null | undefined, string | null>;
  arxiv_comment: ColumnType<string | null, string | null | undefined, string | null>;
  journal_ref: ColumnType<string | null, string | null | undefined, string | null>;
  doi: ColumnType<string | null, string | null | undefined, string | null>;
  source: "hf" | "arxiv";
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaperTopicsTable {
  paper_id: string;
  topic_slug: string;
  score: number;
}

/** A paper's features in the topic model's space (`space` is its fingerprint), from ingest. */
export interface PaperVectorsTable {
  paper_id: string;
  space: string;
  vector: { indices: number[]; values: number[] };
}

export interface EditionsTable {
  edition_date: IsoDate;
  paper_count: ColumnType<number, number | undefined, number>;
  first_ingested_at: Timestamp;
  last_ingested_at: Timestamp;
}

export interface DeliveriesTable {
  id: Generated<number>;
  subscriber_id: number;
  edition_date: IsoDate;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  message_id: string | null;
  error: string | null;
  lease_expires_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: NullableTimestamp;
  /** The process session (src/platform/liveness.ts) holding the claim while `sending`. */
  claimed_by: number | null;
  /** Real send failures (4xx, timeouts, dropped connections): the retry backoff. */
  send_failures: ColumnType<number, number | undefined, number>;
  /** The papers a sent digest carried (migration 0011); null until sent. */
  paper_ids: string[] | null;
}

/** A view of deliveries' paper_ids, one row per paper (inserts append to the delivery's list). */
export interface SentPapersTable {
  subscriber_id: number;
  paper_id: string;
  delivery_id: number;
  sent_at: Timestamp;
}

export interface SuppressionsTable {
  email: string;
  reason: SuppressionReason;
  detail: string | null;
  created_at: Timestamp;
}

export interface EventsTable {
  id: Generated<number>;
  subscriber_id: number | null;
  type: string;
  data: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: Timestamp;
}

export interface VotesTable {
  subscriber_id: number;
  paper_id: string;
  /** 1 = more like this, -1 = less like this. */
  vote: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ReaderModelsTable {
  subscriber_id: number;
  /** A ReaderModel (src/digests/reader-model.ts) as JSON. */
  model: ColumnType<unknown, string, string>;
  votes: ColumnType<number, number | undefined, number>;
  trained_at: Timestamp;
}

export interface Database {
  topics: TopicsTable;
  subscribers: SubscribersTable;
  preferences: PreferencesTable;
  subscriber_topics: SubscriberTopicsTable;
  papers: PapersTable;
  paper_topics: PaperTopicsTable;
  paper_vectors: PaperVectorsTable;
  editions: EditionsTable;
  deliveries: DeliveriesTable;
  sent_papers: SentPapersTable;
  suppressions: SuppressionsTable;
  events: EventsTable;
  votes: VotesTable;
  reader_models: ReaderModelsTable;
}

export type Subscriber = Selectable<SubscribersTable>;
export type Paper = Selectable<PapersTable>;
export type Topic = Selectable<TopicsTable>;
