/** Images: pulled from allowed registries, pinned by tag or digest, never built on the host. */
import { has, text, type RuleContext, type RuleGroup, type ServiceEntry } from './helpers.js';
import { parseImageRef, registryAllowed } from './syntax.js';

export const images: RuleGroup = {
  name: 'images',
  rules: {
    'image.build': '`build:` (Spin runs images, it does not build them)',
    'image.registry': 'images from registries outside the allow list',
    'image.tag-required': 'images without a tag or digest',
    'image.latest': 'the `latest` tag without a digest',
  },
  check(ctx) {
    for (const s of ctx.services) checkService(ctx, s);
  },
};

function checkService(ctx: RuleContext, s: ServiceEntry): void {
  const policy = ctx.policy.images;
  const { raw, path } = s;
  if (has(raw, 'build')) {
    ctx.report(
      'image.build',
      [...path, 'build'],
      'Spin does not build images: build and push the image from CI (build-and-ship), then reference it with image: REGISTRY/NAME:TAG',
    );
  }
  const ref = has(raw, 'image') ? text(raw.image)?.trim() : s.spec?.image;
  if (!ref) return;
  const at = has(raw, 'image') ? [...path, 'image'] : path;
  const image = parseImageRef(ref);
  if (!registryAllowed(image, policy.registries)) {
    ctx.report(
      'image.registry',
      at,
      `image "${ref}" comes from ${image.registry}, which this policy does not allow; push it to one of: ${policy.registries.join(', ') || '(none)'}`,
    );
  }
  if (policy.requireTagOrDigest && image.tag === undefined && image.digest === undefined) {
    ctx.report(
      'image.tag-required',
      at,
      `image "${ref}" has no tag, so it means whatever "latest" is today; pin a version (${ref}:1.2.3) or a digest (@sha256:…)`,
    );
  }
  if (!policy.allowLatest && image.tag?.toLowerCase() === 'latest' && image.digest === undefined) {
    ctx.report(
      'image.latest',
      at,
      `image "${ref}" uses the moving tag "latest"; pin a version tag or a digest`,
    );
  }
}
