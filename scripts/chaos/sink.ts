import { type Accepted, type SmtpMessage, SmtpSink } from "../../test/helpers/smtp.ts";

export type { Accepted };

export interface SinkFaults {
  /** Share of messages answered `421` after their data (the client must retry). */
  tempFailRate: number;
  /** Share of messages whose connection is cut in the middle of DATA (never delivered). */
  dropRate: number;
}

/**
 * The chaos run's SMTP relay (the test kit's sink), in the orchestrating process so it outlives
 * every kill of the app's processes. Books what it accepted per address, and misbehaves on
 * demand: 421s, connections dropped mid-DATA, and whole outages.
 */
export class ChaosSink extends SmtpSink {
  /** Digests accepted per recipient (Message-ID `digest.*`). */
  readonly digests = new Map<string, Accepted[]>();
  /** Every other accepted mail (confirmations, welcomes) per recipient. */
  readonly transactional = new Map<string, Accepted[]>();
  /** Digests accepted per edition (from the Message-ID `digest.<id>.<edition>@host`). */
  readonly perEdition = new Map<string, number>();
  faults: SinkFaults = { tempFailRate: 0, dropRate: 0 };
  readonly injected = { tempFailures: 0, drops: 0, outages: 0 };

  constructor(random: () => number = Math.random) {
    super();
    this.cutMidData = () => {
      const drop = random() < this.faults.dropRate;
      if (drop) this.injected.drops++;
      return drop;
    };
    this.respond = () => {
      if (random() >= this.faults.tempFailRate) return null;
      this.injected.tempFailures++;
      return { code: 421, message: "Try again later (chaos)" };
    };
  }

  protected override onAccepted({ raw: _body, ...kept }: SmtpMessage): void {
    const { to, messageId } = kept;
    const book = messageId.startsWith("digest.") ? this.digests : this.transactional;
    const edition = /^digest\.\d+\.(\d{4}-\d{2}-\d{2})@/.exec(messageId)?.[1];
    if (edition) this.perEdition.set(edition, (this.perEdition.get(edition) ?? 0) + 1);
    for (const address of to) {
      const list = book.get(address) ?? [];
      list.push(kept);
      book.set(address, list);
    }
  }

  override outage(ms: number): Promise<void> {
    this.injected.outages++;
    return super.outage(ms);
  }

  /** Digests of one edition per recipient. */
  digestsOf(edition: string): Map<string, Accepted[]> {
    const out = new Map<string, Accepted[]>();
    for (const [address, list] of this.digests) {
      const mine = list.filter((a) => a.messageId.includes(`.${edition}@`));
      if (mine.length) out.set(address, mine);
    }
    return out;
  }

  get totalDigests(): number {
    let n = 0;
    for (const list of this.digests.values()) n += list.length;
    return n;
  }
}
