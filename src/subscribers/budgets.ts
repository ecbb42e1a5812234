import type { ConfirmationBudget } from "./repository.ts";

/** A confirmation budget's counter as stored (confirmation_limits). */
export interface BudgetCounter {
  windowStartedAt: Date;
  sent: number;
}

/**
 * Count the confirmation mails of several readers, in order, against their budgets (the same
 * rule as takeConfirmationBudget, one reader after another): a reader gets a mail only when
 * every one of their budgets has room; the first full budget refuses them and counts nothing,
 * budgets taken before it stay counted (refusedBy: that budget, or null when granted). A window that has passed restarts. Pure: `counters`
 * (key → counter, absent = never used) is read, the changed counters are returned.
 */
export function grantBudgets(
  readers: ConfirmationBudget[][],
  counters: ReadonlyMap<string, BudgetCounter>,
  now: Date,
): { refusedBy: (ConfirmationBudget | null)[]; changed: Map<string, BudgetCounter> } {
  const changed = new Map<string, BudgetCounter>();
  const refusedBy = readers.map((budgets) => {
    for (const budget of budgets) {
      const counter = changed.get(budget.key) ?? counters.get(budget.key);
      const expired =
        !counter || counter.windowStartedAt.getTime() <= now.getTime() - budget.windowMs;
      if (expired) {
        changed.set(budget.key, { windowStartedAt: now, sent: 1 });
      } else if (counter.sent < budget.max) {
        changed.set(budget.key, {
          windowStartedAt: counter.windowStartedAt,
          sent: counter.sent + 1,
        });
      } else {
        return budget;
      }
    }
    return null;
  });
  return { refusedBy, changed };
}
