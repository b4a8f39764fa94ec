export {
  verifyGithubSignature,
  verifyGiteaSignature,
  verifyGitlabToken,
  verifyWebhook,
  webhookCredential,
  WebhookVerifier,
  WEBHOOK_MAX_BODY_BYTES,
  type WebhookCredential,
  type WebhookProvider,
} from './verify.js';
export { parsePushEvent, type PushEvent, type WebhookEvent } from './parse.js';
export { matchesRepo } from './match.js';
export {
  authenticatedProjects,
  projectSecrets,
  decideWebhook,
  routeWebhook,
  unparsedDelivery,
  UNAUTHENTICATED,
  type WebhookDecision,
  type WebhookProject,
  type WebhookRequest,
  type WebhookTrigger,
} from './route.js';
export { deliveryHeaders, type DeliveryHeaders } from './delivery.js';
export type { Headers } from './headers.js';
