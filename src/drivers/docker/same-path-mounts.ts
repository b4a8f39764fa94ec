import path from 'node:path';

/** One entry of a container inspect's `Mounts` (the fields this check reads). */
export interface MountInfo {
  Type?: string;
  Source?: string;
  Destination?: string;
}

/** A folder the daemon hands to the engine as a bind source, with the config key that sets it. */
export interface HostPathDir {
  key: string;
  path: string;
}

/**
 * Pure: which of `dirs` the engine would not find at the same path on the host. The daemon
 * passes paths under its stateDir (repository file binds) and runtimeDir (secret and config
 * files) to the engine as bind sources, and the engine resolves them on the *host*: from inside a
 * container they work only when the folder is bind-mounted from the identical host path. The
 * deepest mount covering a folder decides (as it does in the container's filesystem). Returns one
 * located, actionable message per problem; empty when all is well.
 */
export function sameHostPathProblems(mounts: MountInfo[], dirs: HostPathDir[]): string[] {
  const problems: string[] = [];
  for (const dir of dirs) {
    const target = path.resolve(dir.path);
    const mount = coveringMount(mounts, target);
    const fix = `run the container with -v ${target}:${target} (the same path on both sides)`;
    if (!mount) {
      problems.push(
        `${dir.key} ${target} is not mounted from the host (it lives in the container's own filesystem): ${fix}`,
      );
    } else if (mount.Type !== 'bind') {
      problems.push(
        `${dir.key} ${target} is on a ${mount.Type ?? 'non-bind'} mount at ${mount.Destination ?? '?'}, whose host path differs: ${fix}`,
      );
    } else if (path.resolve(mount.Source ?? '') !== path.resolve(mount.Destination ?? '')) {
      problems.push(
        `${dir.key} ${target} is bind-mounted from the host path ${mount.Source ?? '?'} at ${mount.Destination ?? '?'}, so the engine would look for ${hostPathOf(mount, target)}: ${fix}`,
      );
    }
  }
  return problems;
}

/** The mount whose destination is the deepest folder holding `target` (or `target` itself). */
function coveringMount(mounts: MountInfo[], target: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  let bestLength = -1;
  for (const mount of mounts) {
    if (!mount.Destination) continue;
    const dest = path.resolve(mount.Destination);
    const covers = target === dest || target.startsWith(dest === '/' ? '/' : `${dest}/`);
    if (covers && dest.length > bestLength) {
      best = mount;
      bestLength = dest.length;
    }
  }
  return best;
}

/** Where the host path for `target` really is through `mount` (for the message). */
function hostPathOf(mount: MountInfo, target: string): string {
  const rest = path.relative(path.resolve(mount.Destination ?? '/'), target);
  return path.join(mount.Source ?? '/', rest);
}

/**
 * Pure: the ids this process's container may have, strongest evidence first: full 64-hex ids the
 * engine leaves in mount sources (`/var/lib/docker/containers/<id>/hostname`) and cgroup paths
 * (`/docker/<id>`, `docker-<id>.scope`), then the hostname, which Docker sets to the short id
 * unless `--hostname` is given. The caller verifies each against the engine.
 */
export function containerIdCandidates(input: {
  mountinfo: string;
  cgroup: string;
  hostname: string;
}): string[] {
  const ids: string[] = [];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  for (const m of input.mountinfo.matchAll(/\/containers\/([0-9a-f]{64})\//g)) add(m[1]!);
  for (const m of input.cgroup.matchAll(/(?:\/docker\/|docker-)([0-9a-f]{64})(?:\.scope)?/g)) add(m[1]!);
  const host = input.hostname.trim();
  if (/^[0-9a-f]{12,64}$/.test(host)) add(host);
  return ids;
}
