import type { Deps } from "../platform/deps.ts";
import type { JobHandlers } from "../platform/queues.ts";
import { announceAfterBatch } from "./announce.ts";
import { enqueueSendBatches, planDeliveries } from "./plan.ts";
import { createDeliverySender, type SenderOptions } from "./send.ts";

/** Handlers of the delivery jobs: the scheduler tick and the batch sender. */
export function deliveryJobHandlers(
  deps: Deps,
  options: SenderOptions = {},
): Pick<JobHandlers, "plan-deliveries" | "send-deliveries"> {
  const sender = createDeliverySender(deps, options);
  return {
    "plan-deliveries": async (data) => {
      const at = data.at ? new Date(data.at) : deps.clock.now();
      if (Number.isNaN(at.getTime())) throw new Error(`plan-deliveries: bad time '${data.at}'`);
      return planDeliveries(deps, at);
    },
    "send-deliveries": async (data) => {
      const { retry, retryDelayMs, retryAttempt, ...counts } = await sender.sendBatch(
        data.deliveryIds,
      );
      if (retry.length > 0) {
        await enqueueSendBatches(deps, retry, `retry${retryAttempt}`, retryDelayMs);
      }
      await announceAfterBatch(deps, data.deliveryIds);
      return { ...counts, retrying: retry.length };
    },
  };
}
