import pg from "pg";
import type { Logger } from "./logger.ts";

/**
 * The first key of every process-session advisory lock ('PB'); the second is the session's
 * number from the `process_sessions` sequence. `pg_locks` shows them as classid / objid.
 */
export const PROCESS_LOCK_CLASS = 0x5042;

/**
 * This process's liveness, as Postgres sees it: a number that only this process uses, and a
 * session advisory lock on it held on a connection of its own for as long as the process lives.
 * When the process dies (SIGKILL, OOM, a crash) its socket closes and Postgres releases the lock
 * at once; when its host dies, the server's TCP keepalive (set below: ~25 s) does. So "is the
 * lock on N held?" tells a claim held by a live process from one held by a dead one, exactly.
 *
 * If this connection is lost while the process lives (a Postgres restart), the lock is gone and
 * others may reclaim its claims; every claim is fenced (attempts), so the process then sends
 * nothing more for them (only messages already in SMTP can arrive twice, as after a crash).
 * It reconnects and takes the same number again.
 */
export interface ProcessSession {
  /** The session number, connecting and locking on first use (or after a lost connection). */
  id(): Promise<number>;
  close(): Promise<void>;
}

/** Server-side keepalive: a peer host that vanished is noticed in 10 + 5 × 3 s. */
const KEEPALIVE =
  "set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 3";

export function createProcessSession(url: string, name: string, logger: Logger): ProcessSession {
  let number: number | null = null;
  let connecting: Promise<number> | null = null;
  let client: pg.Client | null = null;
  let closed = false;

  const connect = async (): Promise<number> => {
    const c = new pg.Client({
      connectionString: url,
      application_name: `${name}-liveness`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    c.on("error", () => {});
    c.on("end", () => {
      if (client !== c) return;
      client = null;
      if (closed) return;
      logger.warn({ session: number }, "liveness session lost; reconnecting");
      reconnectSoon();
    });
    try {
      await c.connect();
      await c.query(KEEPALIVE).catch(() => {}); // not every server allows it (e.g. a socket)
      if (number === null) {
        const { rows } = await c.query<{ n: number }>(
          "select nextval('process_sessions')::int as n",
        );
        number = rows[0]!.n;
      }
      await c.query("select pg_advisory_lock($1::int, $2::int)", [PROCESS_LOCK_CLASS, number]);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      throw new Error("process session closed");
    }
    client = c;
    return number;
  };

  const reconnectSoon = () => {
    setTimeout(() => {
      if (!closed) session.id().catch(reconnectSoon);
    }, 1_000).unref();
  };

  const session: ProcessSession = {
    id() {
      if (client && number !== null) return Promise.resolve(number);
      if (closed) return Promise.reject(new Error("process session closed"));
      connecting ??= connect().finally(() => {
        connecting = null;
      });
      return connecting;
    },
    async close() {
      closed = true;
      await connecting?.catch(() => {});
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
  return session;
}
