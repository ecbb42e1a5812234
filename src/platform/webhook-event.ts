/** What an outgoing webhook carries (webhooks.ts sends it; its queue job holds it). */

export type WebhookEventType =
  | "subscriber.confirmed"
  | "subscriber.unsubscribed"
  | "subscriber.bounced"
  | "subscriber.complained"
  | "digest.sent";

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: Record<string, unknown>;
}
