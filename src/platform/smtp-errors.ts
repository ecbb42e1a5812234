// Moved to the platform layer (the SMTP transport classifies its own failures). Kept so the
// sender, which another change is restructuring, keeps its import; import from platform instead.
export { classifySendError, type SendFailure } from "../platform/smtp/errors.ts";
