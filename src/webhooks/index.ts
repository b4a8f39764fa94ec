export {
  verifyGithubSignature,
  verifyGiteaSignature,
  verifyGitlabToken,
  verifyWebhook,
  WEBHOOK_MAX_BODY_BYTES,
  type WebhookProvider,
} from './verify.js';
export { parsePushEvent, type PushEvent, type WebhookEvent } from './parse.js';
export { matchesRepo } from './match.js';
export {
  routeWebhook,
  type WebhookDecision,
  type WebhookProject,
  type WebhookRequest,
  type WebhookTrigger,
} from './route.js';
export type { Headers } from './headers.js';
