/** A project's `trust:` block: when it lists keys, only commits signed by one of them deploy. */
export interface TrustConfig {
  /** Armored OpenPGP public keys, inline. */
  keys?: string[];
  /** Files holding armored public keys (relative to the config file). */
  keyFiles?: string[];
}

/** JSON schema (draft-07) of the `trust:` block, for schemas/config.schema.json. */
export const trustConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      items: { type: 'string', pattern: '-----BEGIN PGP PUBLIC KEY BLOCK-----' },
      description: 'Armored OpenPGP public keys allowed to sign deploy-branch heads.',
    },
    keyFiles: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Files with armored OpenPGP public keys, relative to the config file.',
    },
  },
} as const;
