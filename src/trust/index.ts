export {
  commitTrust,
  verifyCommitSignature,
  type SignatureVerdict,
  type VerifyCommitOptions,
} from './verify-commit.js';
export { parseTrustKeys } from './keys.js';
export { trustConfigSchema, type TrustConfig } from './schema.js';
