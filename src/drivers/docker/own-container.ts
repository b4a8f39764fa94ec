import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type Docker from 'dockerode';
import { withTimeout } from '../../util/promises.js';
import { containerIdCandidates, sameHostPathProblems, type HostPathDir } from './same-path-mounts.js';

const INSPECT_TIMEOUT_MS = 15_000;

/** What the engine says about the container this process runs in, if it runs in one it knows. */
export type OwnContainerCheck =
  | { kind: 'not-in-container' }
  /** In a container, but not one this engine knows (another engine, podman, a VM's /.dockerenv). */
  | { kind: 'unidentified' }
  | { kind: 'checked'; container: string; problems: string[] };

/**
 * The thin shell around sameHostPathProblems: detects a container (/.dockerenv, or a container
 * runtime in the cgroup path), finds it on the engine by the ids its mounts, cgroup and hostname
 * leave, and checks its mounts. A candidate counts only when the engine's full id starts with it
 * (a container merely *named* like a hex string is not us) and, for the hostname, when the
 * container's hostname is ours too.
 */
export async function checkOwnContainer(docker: Docker, dirs: HostPathDir[]): Promise<OwnContainerCheck> {
  const cgroup = await readText('/proc/self/cgroup');
  if (!existsSync('/.dockerenv') && !/docker|containerd|kubepods|libpod/.test(cgroup)) {
    return { kind: 'not-in-container' };
  }
  const hostname = os.hostname();
  const candidates = containerIdCandidates({
    mountinfo: await readText('/proc/self/mountinfo'),
    cgroup,
    hostname,
  });
  for (const id of candidates) {
    let info: Docker.ContainerInspectInfo | undefined;
    try {
      // Bounded: an engine that accepts and never answers must not hang the start.
      info = await withTimeout(docker.getContainer(id).inspect(), INSPECT_TIMEOUT_MS);
    } catch {
      continue;
    }
    if (!info || !info.Id.startsWith(id)) continue;
    if (id === hostname && info.Config.Hostname !== hostname) continue;
    return {
      kind: 'checked',
      container: info.Name.replace(/^\//, '') || info.Id.slice(0, 12),
      problems: sameHostPathProblems(info.Mounts, dirs),
    };
  }
  return { kind: 'unidentified' };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}
