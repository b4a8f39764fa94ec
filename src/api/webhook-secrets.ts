import type { Logger } from '../util/logger.js';
import { TokenFile } from './token-file.js';

/**
 * Projects' webhook secrets kept in files (webhookSecretFile), re-read when a file changes, with
 * the same overlap as API tokens: the previous secret keeps verifying deliveries for a while so
 * the forge's hook settings can be switched over. Inline secrets are used as configured.
 * One TokenFile per project and file; a reload that names another file starts afresh.
 */
export class WebhookSecrets {
  private readonly files = new Map<string, TokenFile>();

  constructor(
    private readonly overlapMs: number,
    private readonly log: Logger,
  ) {}

  /** The secrets that verify a delivery for this project now, current first. */
  accepted(project: string, secret: string | undefined, file: string | undefined): string[] {
    if (!file) return secret ? [secret] : [];
    let source = this.files.get(project);
    if (source?.file !== file) {
      source = new TokenFile(file, {
        overlapMs: this.overlapMs,
        initial: secret,
        onEvent: (e) =>
          e.kind === 'rotated'
            ? this.log.info(
                { project, file: e.file },
                'webhook secret file changed; previous secret accepted during the overlap',
              )
            : this.log.warn(
                { project, file: e.file, error: e.error },
                'webhook secret file unreadable; keeping the last secret read',
              ),
      });
      this.files.set(project, source);
    }
    return source.tokens();
  }
}
