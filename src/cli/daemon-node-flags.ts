/**
 * Node.js flags the daemon is started with (contrib/spin.service, the image's entrypoint, the
 * benchmarks). They must be on Node's command line: `NODE_OPTIONS` refuses them and
 * `v8.setFlagsFromString` at run time does not resize a heap that already exists.
 *
 * `--min-semi-space-size=16` (MB): every poll leaves a few tens of KB of short-lived garbage, and
 * V8 shrinks an idle process's young generation to about 1 MB, so the daemon ran a scavenge about
 * once a second, each waking V8's helper threads. With 16 MB per semi-space the benchmark's 30 s
 * window saw 2–3 scavenges instead of 9–24; what a scavenge costs depends on what survives, not on
 * how much garbage there is. Measured with the ticks benchmark, quiet, four alternating pairs:
 * 0.82–0.93 ms of CPU per idle poll against 0.97–1.12 ms without (bench/README.md, "Session 12").
 * The price is up to 32 MB more memory for the young generation.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16'];
