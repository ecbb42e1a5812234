import type { Deps } from "../platform/deps.ts";
import type { JobHandlers } from "../platform/queues.ts";
import { announceAfterBatch } from "./announce.ts";
import { enqueueSendBatches, planDeliveries } from "./plan.ts";
import { createDeliverySender, type DeliverySender, type SenderOptions } from "./send.ts";

/** Handlers of the delivery jobs: the scheduler tick and the batch sender. */
export function deliveryJobHandlers(
  deps: Deps,
  options: SenderOptions = {},
  sender: DeliverySender = createDeliverySender(deps, options),
): Pick<JobHandlers, "plan-deliveries" | "send-deliveries"> {
  return {
    "plan-deliveries": async (data) => {
      const at = data.at ? new Date(data.at) : deps.clock.now();
      if (Number.isNaN(at.getTime())) throw new Error(`plan-deliveries: bad time '${data.at}'`);
      return planDeliveries(deps, at);
    },
    "send-deliveries": async (data) => {
      const { retry, retryDelayMs, retryAttempt, retryFailures, released, ...counts } =
        await sender.sendBatch(data.deliveryIds);
      if (retry.length > 0) {
        await enqueueSendBatches(deps, retry, `retry${retryAttempt}`, retryDelayMs);
      }
      // Handed back by a stopping worker: another worker sends them now.
      if (released.length > 0) {
        await enqueueSendBatches(deps, released, `release${Date.now()}`);
      }
      await announceAfterBatch(deps, data.deliveryIds);
      return { ...counts, retrying: retry.length, released: released.length };
    },
  };
}
