/** The policy gate: pure checks of a loaded stack against an operator's policy. */
export { applyPolicyDefaults } from './apply-defaults.js';
export { checkPolicy } from './check.js';
export {
  BUILTIN_DEFAULT_POLICY,
  BUILTIN_DEFAULT_POLICY_NAME,
  DEFAULT_ALLOWED_CAPABILITIES,
  DEFAULT_SAFE_SYSCTLS,
  DEFAULT_SENSITIVE_PATHS,
} from './defaults.js';
export type { PolicyInput } from './helpers.js';
export { loadPolicyFile, type LoadPolicyResult } from './load.js';
export { resolvePolicy, type ResolveResult } from './resolve.js';
export { RULES, type RuleInfo } from './rules.js';
export type * from './types.js';
export { validatePolicyObject, type ValidateOptions } from './validate.js';
