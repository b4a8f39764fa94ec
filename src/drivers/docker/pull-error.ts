import { ImagePullError, type ImagePullReason } from '../../model/image.js';
import { errorMessage } from '../../util/errors.js';

/**
 * Pure: which kind of pull failure an engine error is, from its status code and the registry's
 * words as the engine passes them on (the engine has no error codes of its own for these). The
 * order matters: a full disk or a platform mismatch can mention "not found" too.
 */
export function pullFailureReason(statusCode: number | undefined, message: string): ImagePullReason {
  const m = message.toLowerCase();
  if (m.includes('no space left on device')) return 'DiskFull';
  if (m.includes('no matching manifest') || m.includes('does not match the specified platform')) {
    return 'ImagePlatform';
  }
  if (
    statusCode === 401 ||
    /unauthorized|authentication required|no basic auth credentials|pull access denied|denied: /.test(m)
  ) {
    return 'ImageUnauthorized';
  }
  if (/manifest unknown|not found|name unknown|repository does not exist/.test(m)) return 'ImageNotFound';
  if (
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|tls handshake|server gave http response|context deadline exceeded|connection reset/.test(
      m,
    )
  ) {
    return 'RegistryUnreachable';
  }
  if (statusCode === 404) return 'ImageNotFound';
  return 'ImagePullFailed';
}

/** What to do about each kind, appended to the message. */
const HINTS: Record<ImagePullReason, string> = {
  ImageUnauthorized:
    'check the registry credentials for this registry in the daemon config (registries:) or the project',
  ImageNotFound: 'push the image, or fix the name or tag in the stack',
  RegistryUnreachable: 'check that the registry is up and reachable from the Docker engine',
  ImagePlatform: "push an image built for the engine's platform (or a multi-platform image)",
  DiskFull: 'free disk space on the Docker host (docker image prune)',
  ImagePullFailed: 'see the engine message',
};

/** An engine error from resolving or pulling `ref` as an ImagePullError, located and with a hint. */
export function toImagePullError(ref: string, what: 'resolved' | 'pulled', err: unknown): ImagePullError {
  if (err instanceof ImagePullError) return err;
  const statusCode = (err as { statusCode?: number } | undefined)?.statusCode;
  const engine = engineMessage(err);
  const reason = pullFailureReason(statusCode, engine);
  return new ImagePullError(
    reason,
    ref,
    `${reason}: image ${ref} could not be ${what}: ${engine}; ${HINTS[reason]}`,
  );
}

/** The engine's own message (dockerode puts the JSON body's `message` under `json`). */
function engineMessage(err: unknown): string {
  const json = (err as { json?: unknown } | undefined)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string' && json.trim()) {
    try {
      const parsed = JSON.parse(json) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return json.trim();
    }
  }
  return errorMessage(err);
}
