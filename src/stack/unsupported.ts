import { formatPath, type Diagnostic, type PathSegment } from './diagnostics.js';
import { hasEntry, isRecord } from './records.js';
import type { LocatedDocument } from './source.js';

/**
 * Keys the schema lets through (they are valid Compose) but Spin does not run. Each is refused
 * by name with what to do instead (`unsupported.*`, an error) or, where dropping it changes
 * nothing a user relies on, reported and ignored (`ignored.*`, a warning). The security policy
 * (privileged, cap_add, docker.sock binds, ...) is src/policy's business, not this table's.
 */
interface Entry {
  /** Path pattern into the document; '*' matches every key of a mapping. */
  at: readonly string[];
  rule: string;
  /**
   * What to do instead; completes "<path> is not supported: ..." (or "is ignored: ..."). A
   * function gets the matched path (e.g. to name the secret).
   */
  reason: string | ((path: readonly PathSegment[]) => string);
  /** Only values this accepts are reported; by default any value present is. */
  when?: (value: unknown) => boolean;
  /** Planned: the message says "not supported yet". */
  yet?: true;
}

const isTrue = (value: unknown): boolean => value !== false && value !== 'false';

const ENTRIES: readonly Entry[] = [
  // Top level
  {
    at: ['include'],
    rule: 'unsupported.include',
    reason: 'put every service of the project in this one stack file',
  },
  {
    at: ['version'],
    rule: 'ignored.version',
    reason: 'it is obsolete in the Compose specification; remove it',
  },
  { at: ['name'], rule: 'ignored.name', reason: "Spin takes the project's name from its own config" },

  // Services
  {
    at: ['services', '*', 'build'],
    rule: 'unsupported.build',
    reason: 'build the image in CI and push it to a registry, then reference it with image:',
  },
  {
    at: ['services', '*', 'develop'],
    rule: 'unsupported.develop',
    reason: 'it configures `docker compose watch` on a laptop; remove it, Spin deploys what is in git',
  },
  {
    at: ['services', '*', 'extends'],
    rule: 'unsupported.extends',
    reason:
      'write the service out in full; YAML anchors (&name, *name) and `<<:` merge keys can share settings',
  },
  {
    at: ['services', '*', 'links'],
    rule: 'unsupported.links',
    reason:
      'services on a shared network reach each other by service name; use networks: (with aliases: for more names)',
  },
  {
    at: ['services', '*', 'external_links'],
    rule: 'unsupported.external_links',
    reason: "Spin connects only a project's own services; reach other services by their address",
  },
  {
    at: ['services', '*', 'platform'],
    rule: 'unsupported.platform',
    reason:
      "Spin runs images for the engine's own platform; use an image built for it (or multi-platform) and remove platform:",
  },
  {
    at: ['services', '*', 'volumes_from'],
    rule: 'unsupported.volumes_from',
    reason: 'declare a named volume under the top-level volumes: and mount it in both services',
  },
  {
    at: ['services', '*', 'devices'],
    rule: 'unsupported.devices',
    reason: 'Spin does not pass host devices into containers; run this service outside Spin',
  },
  {
    at: ['services', '*', 'runtime'],
    rule: 'unsupported.runtime',
    reason: "Spin uses the engine's default runtime; remove runtime:",
  },
  {
    at: ['services', '*', 'uts'],
    rule: 'unsupported.uts',
    reason: 'Spin does not share the host UTS namespace; remove uts:',
  },
  {
    at: ['services', '*', 'userns_mode'],
    rule: 'unsupported.userns_mode',
    reason: "Spin keeps the engine's user namespace setting; remove userns_mode:",
  },
  {
    at: ['services', '*', 'cgroup'],
    rule: 'unsupported.cgroup',
    reason: "Spin keeps the engine's cgroup namespace; remove cgroup:",
  },
  {
    at: ['services', '*', 'cgroup_parent'],
    rule: 'unsupported.cgroup_parent',
    reason: "Spin keeps the engine's cgroup parent; remove cgroup_parent:",
  },
  {
    at: ['services', '*', 'pull_policy'],
    rule: 'unsupported.pull_policy',
    reason: 'Spin pulls an image when the engine does not have it; pin the tag or digest you want in image:',
    when: (value) => value !== 'missing' && value !== 'if_not_present',
  },
  // Valid Compose keys for engine tuning Spin does not pass on. Each names what to use instead.
  ...(
    [
      'cpu_shares',
      'cpu_quota',
      'cpu_period',
      'cpu_count',
      'cpu_percent',
      'cpu_rt_period',
      'cpu_rt_runtime',
      'cpuset',
    ] as const
  ).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason:
      'Spin limits CPU only through deploy.resources.limits.cpus (or cpus:), the limit the policy checks; set that and remove this key',
  })),
  ...(['mem_swappiness', 'memswap_limit'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason:
      "Spin limits memory through deploy.resources.limits.memory (or mem_limit:) and leaves swap to the engine's defaults; remove this key",
  })),
  ...(['oom_kill_disable', 'oom_score_adj'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason:
      "out-of-memory handling is the engine's, so one project cannot push the OOM killer onto another; set a memory limit and remove this key",
  })),
  {
    at: ['services', '*', 'mac_address'],
    rule: 'unsupported.mac_address',
    reason:
      'the engine assigns MAC addresses on the networks Spin creates; reach the service by name and remove mac_address:',
  },
  ...(['blkio_config', 'device_cgroup_rules', 'gpus', 'storage_opt'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason:
      "Spin does not give containers host devices or change the engine's storage; run this service outside Spin",
  })),
  {
    at: ['services', '*', 'group_add'],
    rule: 'unsupported.group_add',
    reason: 'supplementary groups can reach host files the policy does not see; set user: (uid:gid) instead',
  },
  {
    at: ['services', '*', 'dns_opt'],
    rule: 'unsupported.dns_opt',
    reason: "Spin sets dns: and dns_search: only; resolver options are the engine's; remove dns_opt:",
  },
  ...(['isolation', 'credential_spec'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason: 'it applies to Windows containers, and Spin runs Linux containers; remove it',
  })),
  {
    at: ['services', '*', 'use_api_socket'],
    rule: 'unsupported.use_api_socket',
    reason: "a container never gets the engine's API (that would bypass the policy); remove it",
  },
  ...(['post_start', 'pre_stop'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason: "Spin runs no commands in running containers; do this work in the image's entrypoint",
    yet: true,
  })),
  {
    at: ['services', '*', 'label_file'],
    rule: 'unsupported.label_file',
    reason: 'write the labels under labels:',
    yet: true,
  },
  ...(['models', 'provider'] as const).map((key): Entry => ({
    at: ['services', '*', key],
    rule: `unsupported.${key}`,
    reason: 'Spin runs containers from images only; remove it',
  })),
  {
    at: ['services', '*', 'annotations'],
    rule: 'ignored.annotations',
    reason: 'Spin does not pass OCI annotations to the engine; use labels: for metadata',
  },
  {
    at: ['services', '*', 'attach'],
    rule: 'ignored.attach',
    reason: 'it decides what `docker compose up` prints; read logs with `spin logs`',
  },
  {
    at: ['services', '*', 'pull_refresh_after'],
    rule: 'ignored.pull_refresh_after',
    reason: 'Spin pulls when the engine lacks the image; pin the tag or digest in image:',
  },
  {
    at: ['services', '*', 'restart'],
    rule: 'ignored.restart',
    reason: 'the retry count is dropped; Spin restarts on failure without a limit',
    when: (value) => typeof value === 'string' && value.startsWith('on-failure:'),
  },
  {
    at: ['services', '*', 'container_name'],
    rule: 'ignored.container_name',
    reason:
      'Spin names containers <project>_<service>_<n>; other services reach this one by its service name',
  },
  {
    at: ['services', '*', 'deploy', 'mode'],
    rule: 'unsupported.deploy.mode',
    reason: 'Spin runs on a single engine; use deploy.replicas (one-off jobs run outside Spin)',
    when: (value) => value !== 'replicated',
  },
  {
    at: ['services', '*', 'deploy', 'endpoint_mode'],
    rule: 'unsupported.deploy.endpoint_mode',
    reason: 'services reach each other by service name on their networks; remove endpoint_mode:',
  },
  ...(['limits', 'reservations'] as const).flatMap((kind): Entry[] =>
    (['devices', 'generic_resources'] as const).map((key) => ({
      at: ['services', '*', 'deploy', 'resources', kind, key],
      rule: `unsupported.deploy.resources.${key}`,
      reason: 'Spin does not reserve devices such as GPUs; run this service outside Spin',
    })),
  ),
  {
    at: ['services', '*', 'deploy', 'labels'],
    rule: 'ignored.deploy.labels',
    reason: 'they label a swarm service, which Spin does not create; put container labels under labels:',
  },
  {
    at: ['services', '*', 'deploy', 'rollback_config'],
    rule: 'ignored.deploy.rollback_config',
    reason: 'Spin has no rollback settings; update_config.failure_action decides what a failed update does',
  },
  ...(['delay', 'max_attempts', 'window'] as const).map((key): Entry => ({
    at: ['services', '*', 'deploy', 'restart_policy', key],
    rule: 'ignored.deploy.restart_policy',
    reason: "Spin maps only restart_policy.condition onto the engine's restart policy",
  })),
  {
    at: ['services', '*', 'deploy', 'update_config', 'max_failure_ratio'],
    rule: 'ignored.deploy.update_config',
    reason: 'Spin applies failure_action at the first failed container',
  },

  // Top-level secrets and configs (docs/secrets.md): values come from Spin's secret store or
  // age-encrypted files, configs from the repository; nothing from the daemon's host.
  {
    at: ['secrets', '*', 'environment'],
    rule: 'unsupported.secrets.environment',
    reason: (path) =>
      `Spin never hands the daemon's environment to a stack; store the value with \`spin secret set <project> ${String(path[1])}\` and declare the secret as \`${String(path[1])}: {}\``,
  },
  {
    at: ['secrets', '*', 'external'],
    rule: 'unsupported.secrets.external',
    reason: (path) =>
      `Spin's secret store holds every secret that is not in git; declare it as \`${String(path[1])}: {}\` and set its value with \`spin secret set <project> ${String(path[1])}\``,
    when: isTrue,
  },
  {
    at: ['secrets', '*', 'name'],
    rule: 'unsupported.secrets.name',
    reason: 'a secret is known by its key in the stack file (and in `spin secret set`); remove name:',
  },
  ...(['driver', 'driver_opts', 'template_driver'] as const).map((key): Entry => ({
    at: ['secrets', '*', key],
    rule: `unsupported.secrets.${key}`,
    reason:
      'Spin delivers secrets from its own store or from age-encrypted files in the repository; remove it',
  })),
  {
    at: ['secrets', '*', 'labels'],
    rule: 'ignored.secrets.labels',
    reason: 'secrets are delivered as files, not engine objects, so they carry no labels',
  },
  {
    at: ['configs', '*', 'environment'],
    rule: 'unsupported.configs.environment',
    reason:
      "Spin never hands the daemon's environment to a stack; use content: with ${VAR} from the project's env, or file:",
  },
  {
    at: ['configs', '*', 'external'],
    rule: 'unsupported.configs.external',
    reason: 'Spin reads configs from the repository at the deployed commit; use file: or content:',
    when: isTrue,
  },
  {
    at: ['configs', '*', 'name'],
    rule: 'unsupported.configs.name',
    reason: 'a config is known by its key in the stack file; remove name:',
  },
  {
    at: ['configs', '*', 'template_driver'],
    rule: 'unsupported.configs.template_driver',
    reason: "content: is interpolated with the project's env; remove template_driver:",
  },
  {
    at: ['configs', '*', 'labels'],
    rule: 'ignored.configs.labels',
    reason: 'configs are delivered as files, not engine objects, so they carry no labels',
  },

  // Top-level networks and volumes: Spin creates and owns them, named <project>_<key>.
  {
    at: ['networks', '*', 'external'],
    rule: 'unsupported.network.external',
    reason:
      'Spin creates and owns every network it attaches (named <project>_<key>); declare it without external:',
    when: isTrue,
  },
  {
    at: ['networks', '*', 'name'],
    rule: 'unsupported.network.name',
    reason: 'Spin names networks <project>_<key>; remove name:',
  },
  {
    at: ['networks', '*', 'ipam'],
    rule: 'unsupported.network.ipam',
    reason:
      'Spin lets the engine choose subnets; remove ipam: (and fixed addresses) and reach services by name',
  },
  {
    at: ['networks', '*', 'driver_opts'],
    rule: 'unsupported.network.driver_opts',
    reason: "Spin creates networks with the driver's defaults; remove driver_opts:",
  },
  {
    at: ['networks', '*', 'enable_ipv6'],
    rule: 'unsupported.network.enable_ipv6',
    reason: "Spin creates networks with the engine's defaults; remove enable_ipv6:",
    when: isTrue,
  },
  {
    at: ['networks', '*', 'attachable'],
    rule: 'ignored.network.attachable',
    reason: 'it applies to swarm overlay networks only',
  },
  {
    at: ['volumes', '*', 'external'],
    rule: 'unsupported.volume.external',
    reason:
      'Spin creates and owns every volume it mounts (named <project>_<key>); declare it without external:',
    when: isTrue,
  },
  {
    at: ['volumes', '*', 'name'],
    rule: 'unsupported.volume.name',
    reason: 'Spin names volumes <project>_<key>; remove name:',
  },
];

/**
 * Refuse (or report and ignore) what Spin does not run. Services with `profiles:` are skipped:
 * Spin activates no profile, so they are not deployed and their settings do not matter.
 */
export function findUnsupported(doc: LocatedDocument): Diagnostic[] {
  const inactive = inactiveServices(doc.value);
  const out: Diagnostic[] = [];
  for (const entry of ENTRIES) {
    for (const { path, value } of matches(doc.value, entry.at, [])) {
      if (path[0] === 'services' && inactive.has(String(path[1]))) continue;
      if (entry.when && !entry.when(value)) continue;
      const subject = entry.when ? `${formatPath(path)}: ${String(value)}` : formatPath(path);
      const verdict = entry.rule.startsWith('ignored.')
        ? 'is ignored'
        : entry.yet
          ? 'is not supported yet'
          : 'is not supported';
      out.push({
        file: doc.file,
        ...doc.locate(path),
        rule: entry.rule,
        message: `${subject} ${verdict}: ${typeof entry.reason === 'string' ? entry.reason : entry.reason(path)}`,
        path: formatPath(path),
      });
    }
  }
  return out;
}

function matches(
  value: unknown,
  pattern: readonly string[],
  path: PathSegment[],
): Array<{ path: PathSegment[]; value: unknown }> {
  const [head, ...rest] = pattern;
  if (head === undefined) return [{ path, value }];
  if (!isRecord(value)) return [];
  const keys = head === '*' ? Object.keys(value) : hasEntry(value, head) ? [head] : [];
  return keys.flatMap((key) => matches(value[key], rest, [...path, key]));
}

/** Services with a non-empty `profiles:` list; Spin activates no profile, so they do not run. */
export function inactiveServices(root: unknown): Set<string> {
  const services = isRecord(root) && isRecord(root.services) ? root.services : {};
  return new Set(
    Object.entries(services)
      .filter(
        ([, service]) => isRecord(service) && Array.isArray(service.profiles) && service.profiles.length > 0,
      )
      .map(([name]) => name),
  );
}
