import type { Migration } from "kysely";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_mutes.ts";
import * as m0003 from "./0003_votes.ts";
import * as m0004 from "./0004_delivery_liveness.ts";
import * as m0005 from "./0005_security.ts";
import * as m0006 from "./0006_operator.ts";
import * as m0007 from "./0007_sent_paper_lists.ts";
import * as m0008 from "./0008_confirmation_mailed.ts";
import * as m0009 from "./0009_paper_vectors.ts";
import * as m0010 from "./0010_delivery_fillfactor.ts";
import * as m0011 from "./0011_delivery_paper_ids.ts";

/** Every migration in order. Add new files here: static imports work in every runtime. */
export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_mutes": m0002,
  "0003_votes": m0003,
  "0004_delivery_liveness": m0004,
  "0005_security": m0005,
  "0006_operator": m0006,
  "0007_sent_paper_lists": m0007,
  "0008_confirmation_mailed": m0008,
  "0009_paper_vectors": m0009,
  "0010_delivery_fillfactor": m0010,
  "0011_delivery_paper_ids": m0011,
};
