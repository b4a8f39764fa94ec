import { header, type Headers } from './headers.js';
import { eventName } from './parse.js';
import type { WebhookProvider } from './verify.js';

/** What the log says of a delivery before (or without) reading its body: all from its headers. */
export interface DeliveryHeaders {
  event?: string;
  /** The forge's id of this delivery, to find it in the forge's delivery log. */
  delivery?: string;
}

/** Longest header value the log repeats: the sender chose it. */
const MAX_LOGGED = 100;

/** GitHub, Gitea/Forgejo and GitLab each name the delivery id their own way. */
const DELIVERY_ID_HEADERS = [
  'x-github-delivery',
  'x-gitea-delivery',
  'x-forgejo-delivery',
  'x-gogs-delivery',
  'x-gitlab-event-uuid',
  'x-gitlab-webhook-uuid',
];

export function deliveryHeaders(provider: WebhookProvider, headers: Headers): DeliveryHeaders {
  const delivery = DELIVERY_ID_HEADERS.map((h) => header(headers, h)).find((v) => v !== undefined);
  return { event: loggable(eventName(provider, headers)), delivery: loggable(delivery) };
}

function loggable(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_LOGGED ? `${clean.slice(0, MAX_LOGGED)}...` : clean;
}
