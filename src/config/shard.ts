import { createHash } from 'node:crypto';
import type { ProjectConfig, ShardConfig, SpinConfig } from './types.js';

/**
 * Sharding: several daemons share one config, each reconciling a disjoint set of projects. The
 * key is a hash of the project name (stable across processes, machines and restarts, unlike the
 * order of projects in the file, which projects.d files and edits change), optionally narrowed
 * to the engines this daemon owns. Two daemons with the same `count` and different `index` never
 * own the same project; nor do two owning disjoint engine lists.
 */
export function shardOf(name: string, count: number): number {
  // The first 6 bytes of SHA-256: uniform enough for any count up to the schema's 1024.
  return createHash('sha256').update(name).digest().readUIntBE(0, 6) % count;
}

/** Pure: whether a daemon with this shard reconciles the project. No shard: every project. */
export function ownsProject(
  project: Pick<ProjectConfig, 'name' | 'engine'>,
  shard: ShardConfig | undefined,
): boolean {
  if (!shard) return true;
  if (shard.engines && !shard.engines.includes(project.engine ?? '')) return false;
  if (shard.count !== undefined && shardOf(project.name, shard.count) !== (shard.index ?? 0)) return false;
  return true;
}

/** Pure: the config as this daemon runs it, with only the projects its shard owns. */
export function ownedProjects(config: SpinConfig, shard: ShardConfig | undefined = config.shard): SpinConfig {
  if (!shard) return config;
  return { ...config, projects: config.projects.filter((p) => ownsProject(p, shard)) };
}

/**
 * `--shard I/N` (e.g. `0/2`): index I of N shards. Returns a message when it is not one, for
 * the CLI to print as a usage error.
 */
export function parseShardFlag(text: string): { index: number; count: number } | { error: string } {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 1024 || index >= count) {
    return { error: `--shard '${text}' is not I/N with 0 <= I < N <= 1024 (e.g. --shard 0/2)` };
  }
  return { index, count };
}
