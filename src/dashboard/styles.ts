/**
 * The whole stylesheet, inline (one request per page, nothing to serve). Text colours on their
 * backgrounds are at least 7:1 (WCAG AAA for normal text); badges never rely on colour alone.
 */
export const STYLES = `
:root { color-scheme: light; --fg: #1b1b1b; --muted: #595959; --line: #d0d0d0; --link: #0b4fa3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
a { color: var(--link); }
a:focus-visible, button:focus-visible { outline: 3px solid #1a5fd0; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: #f6f7f9; }
header .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--fg); }
header nav ol { display: flex; gap: .5rem; margin: 0; padding: 0; list-style: none; }
header nav li + li::before { content: "/"; margin-right: .5rem; color: var(--muted); }
header .refresh { margin: 0 0 0 auto; color: var(--muted); font-size: .85rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
thead th { font-size: .85rem; color: var(--muted); border-bottom-width: 2px; }
tbody th { font-weight: 600; }
tbody th a { white-space: nowrap; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .reason { color: var(--muted); }
.reason { display: block; font-size: .85rem; }
.error-reason { color: #8b1010; }
.error-message { overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .75rem; border: 1px solid; font-size: .85rem; font-weight: 600; white-space: nowrap; }
.tone-ok { color: #0a5c24; background: #e3f4e8; }
.tone-info { color: #123f7a; background: #e4edfb; }
.tone-warn { color: #6b3a00; background: #fdf0dc; }
.tone-bad { color: #8b1010; background: #fce4e4; }
.tone-neutral { color: #333; background: #ececec; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.problem { border: 1px solid #e2a3a3; background: #fff6f6; border-radius: .4rem; padding: .75rem 1rem; margin-top: 1.5rem; }
.problem h2 { margin-top: 0; }
.problem pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0 0; }
pre.logs { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16rem; overflow: auto; margin: .25rem 0 1rem; }
ul.plain { margin: .25rem 0; padding-left: 1.25rem; }
.vh { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 48rem) { main, header { padding-left: .75rem; padding-right: .75rem; } th, td { padding: .35rem .4rem; } }
`.trim();
