// The page's only stylesheet, inline (the CSP allows inline styles and nothing else). System fonts only:
// a web font would be a request.

export const REVIEW_CSS = `
:root { color-scheme: light; --ink: #1e293b; --muted: #475569; --line: #e2e8f0; --bg: #f8fafc; --blue: #2563eb; --red: #b91c1c; --amber: #b45309; --green: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
header.page { margin-bottom: 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 8px; }
h4 { font-size: 14px; margin: 12px 0 4px; }
section, article.cluster { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 16px 0; }
article.cluster { border-left: 4px solid var(--blue); }
nav.toc { font-size: 13px; color: var(--muted); }
nav.toc a { color: var(--blue); margin-right: 12px; }
.subtitle, .muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; background: #f8fafc; }
ul, ol { margin: 4px 0 8px; padding-left: 22px; }
li { margin: 2px 0; }
.phase { border-top: 1px dashed var(--line); padding-top: 6px; }
.phase .estimate { color: var(--muted); font-size: 13px; }
.callout { border: 1px solid #f59e0b; background: #fffbeb; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.callout.failed { border-color: #fca5a5; background: #fef2f2; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid var(--line); background: #f1f5f9; }
.badge.done, .tone-ok { color: var(--green); }
.badge.held, .badge.aborted, .tone-failed { color: var(--red); }
.badge.paused, .badge.running, .tone-warn { color: var(--amber); }
.tone-failed { font-weight: 600; }
.current-state { display: inline-block; padding: 1px 8px; border: 2px solid var(--blue); border-radius: 6px; background: #dbeafe; font-weight: 700; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.visited { color: var(--muted); font-size: 13px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 8px; background: #fff; margin: 8px 0; }
.diagram svg { max-width: 100%; height: auto; display: block; }
ol.timeline { list-style: none; padding-left: 0; }
ol.timeline > li { padding: 4px 0; border-bottom: 1px solid #f1f5f9; }
ol.timeline time { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; color: var(--muted); margin-right: 8px; }
ol.timeline .who { font-weight: 600; margin-right: 6px; }
ol.timeline ul { font-size: 13px; }
details > summary { cursor: pointer; color: var(--blue); }
p.change { font-size: 16px; margin: 6px 0; }
p.plan-id { margin: 4px 0; }
pre.plan-text { background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; padding: 10px; overflow-x: auto; font-size: 12.5px; }
.diagram.overview svg { width: 100%; max-width: 1000px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
@media print { body { background: #fff; } section, article.cluster { break-inside: avoid-page; border-color: #cbd5e1; } nav.toc { display: none; } }
`;
