import { createRequire } from 'node:module';

/**
 * dockerode loads, as it is loaded, two transports Spin never uses: ssh2 for ssh:// engines
 * (which sets up a WebAssembly poly1305 with 16 MB of linear memory at once) and gRPC +
 * protobufjs for BuildKit sessions (about 110 modules): memory and start-up time of every daemon
 * and `spin` command (the WebAssembly memory shows in `npm run bench -- polling --heap-snapshot`). Spin connects over unix:// or tcp://
 * only (connectDocker) and never builds images (`build:` is refused), so the module cache is
 * seeded with stand-ins that say so if ever called. Import this before dockerode is loaded.
 */
const require = createRequire(import.meta.url);
// Resolved from dockerode's main file (lib/docker.js), as dockerode itself resolves them.
const dockerodeRequire = createRequire(require.resolve('dockerode'));

const stubs: [path: string, what: string][] = [
  [dockerodeRequire.resolve('docker-modem/lib/ssh.js'), 'ssh:// docker hosts (use unix:// or tcp://)'],
  [dockerodeRequire.resolve('./session.js'), 'BuildKit sessions (Spin does not build images)'],
];

type CjsModule = NodeJS.Module & { filename: string; loaded: boolean };
const Module = require('node:module') as { new (id: string): CjsModule };

for (const [path, what] of stubs) {
  if (require.cache[path]) continue;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = () => {
    throw new Error(`not supported by spin: ${what}`);
  };
  require.cache[path] = stub;
}
