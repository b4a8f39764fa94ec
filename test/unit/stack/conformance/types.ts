/**
 * One conformance case: an input from Compose's own test data (`source` names the repository,
 * the file and the test), and either what it means in Compose (Spin must read it the same way)
 * or `refused`: the rule by which Spin refuses it on purpose (listed with its reason in
 * docs/compose-conformance.md).
 */
export interface TemplateCase {
  source: string;
  template: string;
  env: Record<string, string>;
  expect?: string;
  refused?: 'interpolate.invalid' | 'interpolate.required';
  /** Text the refusal's message must contain. */
  message?: string;
}

export interface DotenvCase {
  source: string;
  text: string;
  lookup?: Record<string, string>;
  /** Entries the result must hold (other keys may exist unless `exact`). */
  expect?: Record<string, string>;
  exact?: boolean;
  /** Keys that must not be set. */
  absent?: string[];
  refused?: 'dotenv.invalid-name' | 'dotenv.unterminated-quote' | 'dotenv.interpolate';
}

export interface StackCase {
  source: string;
  /** A whole stack file. */
  yaml: string;
  env?: Record<string, string>;
  /** Must match (toMatchObject) the loaded model's services. */
  services?: Record<string, unknown>;
  /** Checked with toEqual on one field of service `s`. */
  field?: { name: string; value: unknown };
  /** The loader must refuse with (at least) this rule; no other outcome passes. */
  refused?: string;
}
