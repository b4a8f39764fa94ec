export { type CommitState, type CommitStatus, type StatusProvider, StatusDeliveryError } from './types.js';
export { deployContext, validateContext } from './types.js';
export { MAX_DESCRIPTION_LENGTH, truncateDescription } from './description.js';
export { resolveToken, type TokenSource } from './token.js';
export { GitHubStatusProvider, type GitHubStatusOptions } from './github.js';
export { GitLabStatusProvider, GITLAB_STATE, type GitLabStatusOptions } from './gitlab.js';
export { GitNotesProvider, NOTES_REF, type GitNotesOptions } from './gitnotes.js';
export { StatusReporter, type StatusReporterOptions, type DeliveryResult } from './reporter.js';
export { createProvider, localGitdir, statusConfigSchema, type ProviderContext } from './factory.js';
