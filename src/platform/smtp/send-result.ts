/** What one send hands the transport and gets back (transport.ts and its pool share them). */
import type { SendFailure } from "./errors.ts";

export type SendResult =
  | { ok: true; response: string }
  | {
      ok: false;
      failure: SendFailure;
      /**
       * The whole message had gone out and then no reply came (the connection dropped or timed
       * out): the server may have it, so a resend may duplicate it.
       */
      outcomeUnknown: boolean;
    };

/** Bare addresses: the envelope, not the headers. */
export interface Envelope {
  from: string;
  to: string;
}

export interface SmtpTransportStats {
  connectionsOpened: number;
  /** Messages moved to a fresh connection because theirs died before any of their data was sent. */
  resentOnFreshConnection: number;
}
