import type { Config } from "../platform/config.ts";

/** Deterministic per (subscriber, edition), so a resend is recognisably the same message. */
export function digestMessageId(publicUrl: string, subscriberId: number, editionDate: string) {
  return `digest.${subscriberId}.${editionDate}@${new URL(publicUrl).hostname}`;
}

/**
 * RFC 2919 List-Id: LIST_ID as given (wrapped in <> when it is a bare id), else the label
 * "paperboy" under the host, once: paperboy.example.org stays paperboy.example.org.
 */
export function listId(config: Pick<Config, "LIST_ID" | "PUBLIC_URL">): string {
  if (config.LIST_ID) {
    return config.LIST_ID.includes("<") ? config.LIST_ID : `Paperboy <${config.LIST_ID}>`;
  }
  const host = new URL(config.PUBLIC_URL).hostname;
  return `Paperboy <${host.startsWith("paperboy.") ? host : `paperboy.${host}`}>`;
}

/**
 * List headers of every digest. RFC 8058 one-click needs an https List-Unsubscribe URI plus
 * List-Unsubscribe-Post, which nodemailer does not add by itself.
 */
export function listHeaders(
  config: Pick<Config, "LIST_ID" | "PUBLIC_URL" | "LIST_UNSUBSCRIBE_MAILTO">,
  unsubscribeUrl: string,
): Record<string, string> {
  const targets = [`<${unsubscribeUrl}>`];
  if (config.LIST_UNSUBSCRIBE_MAILTO) {
    targets.push(`<mailto:${config.LIST_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>`);
  }
  return {
    "List-Unsubscribe": targets.join(", "),
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": listId(config),
  };
}
