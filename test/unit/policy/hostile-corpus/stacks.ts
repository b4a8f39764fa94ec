/**
 * Building blocks of the hostile corpus: a hardened service that the default policy accepts, so
 * each case adds only the one thing it tries.
 */
export interface StackParts {
  /** Lines under the service (2 spaces of the service body are added). */
  service?: string[];
  /** Top-level lines after `services:` (volumes:, networks:, x- anchors …). */
  top?: string[];
  /** Lines before `services:` (anchors defined first). */
  head?: string[];
  /** Leave out the default `deploy.resources.limits` (the case writes its own). */
  noLimits?: boolean;
  /** Leave out user/cap_drop/security_opt. */
  noHardening?: boolean;
  image?: string;
  /** Extra services, each a name and its lines (hardening and limits added). */
  more?: [string, string[]][];
}

const HARDENING = ['user: "1000:1000"', 'cap_drop: [ALL]', 'security_opt: [no-new-privileges:true]'];
const LIMITS = ['deploy:', '  resources:', '    limits: { memory: 64MiB, cpus: "0.5" }'];

function serviceBlock(name: string, lines: string[], parts: StackParts, image: string): string[] {
  const body = [
    `image: ${image}`,
    ...(parts.noHardening ? [] : HARDENING),
    ...(parts.noLimits ? [] : LIMITS),
    ...lines,
  ];
  return [`  ${name}:`, ...body.map((l) => `    ${l}`)];
}

export function stack(parts: StackParts = {}): string {
  const image = parts.image ?? 'spin-test/busybox:1';
  return [
    ...(parts.head ?? []),
    'services:',
    ...serviceBlock('app', parts.service ?? [], parts, image),
    ...(parts.more ?? []).flatMap(([name, lines]) =>
      serviceBlock(name, lines, { ...parts, noLimits: false }, image),
    ),
    ...(parts.top ?? []),
    '',
  ].join('\n');
}

/** A top-level volume `v` with these driver_opts lines, used by the service at /data. */
export function volumeWith(opts: string[], driver?: string): StackParts {
  return {
    service: ['volumes: ["v:/data"]'],
    top: [
      'volumes:',
      '  v:',
      ...(driver ? [`    driver: ${driver}`] : []),
      '    driver_opts:',
      ...opts.map((o) => `      ${o}`),
    ],
  };
}
