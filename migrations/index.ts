import type { Migration } from "kysely";
import * as m0001 from "./0001_initial.ts";
import * as m0005 from "./0005_security.ts";

/** Every migration in order. Add new files here: static imports work in every runtime. */
export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0005_security": m0005,
};
