// The page's stylesheet and its one small script, served as they are: no build step, nothing fetched.
// The script only listens: the page's server-sent events replace the regions that changed and append
// log lines as they arrive (without JavaScript the pages still work, just not live).

export const STYLE_CSS = `
:root { --fg: #1d2330; --muted: #5b6472; --line: #d6dae1; --bg: #f6f7f9; --card: #fff; --accent: #1f5bd8;
  --ok: #146c2e; --ok-bg: #dff3e4; --bad: #a4161a; --bad-bg: #fbe3e4; --run: #7a4b00; --run-bg: #fff1cc; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 24px; background: #18202f; color: #fff; }
.brand { margin: 0; font-weight: 600; } .brand span { font-weight: 400; color: #b9c2d3; margin-left: 6px; }
.top ul { list-style: none; display: flex; gap: 4px; margin: 0; padding: 0; }
.top nav a { color: #dfe6f3; text-decoration: none; padding: 6px 12px; border-radius: 6px; display: inline-block; }
.top nav a:hover { background: #2b3547; } .top nav a[aria-current="page"] { background: #fff; color: #18202f; }
.banner { margin: 0; padding: 8px 24px; background: var(--run-bg); color: var(--run); border-bottom: 1px solid #e9d38f; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: 8px 0 4px; } h2 { font-size: 1.15rem; margin: 20px 0 8px; }
.lead { color: var(--muted); margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; align-items: start; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 4px 18px 18px; }
.card h2 { margin-top: 14px; }
.meta { margin: 0 0 8px; color: var(--muted); }
.tag { display: inline-block; font-size: .78rem; padding: 1px 8px; border-radius: 999px; background: #eceff4; color: #394152; }
.field { margin: 12px 0; }
.field label { display: block; font-weight: 600; margin-bottom: 4px; }
.field.check { display: flex; align-items: center; gap: 8px; } .field.check label { margin: 0; }
.field.check .hint, .field.check .error { flex-basis: 100%; }
.check { flex-wrap: wrap; }
input[type=text], input[type=number], input[type=email], input[type=url], input:not([type]), select, textarea {
  width: 100%; font: inherit; padding: 7px 9px; border: 1px solid #9aa3b1; border-radius: 6px; background: #fff; color: inherit; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
input[type=checkbox], input[type=radio] { width: 18px; height: 18px; }
[aria-invalid=true] { border-color: var(--bad); }
.req { color: var(--bad); }
.hint { margin: 4px 0 0; color: var(--muted); font-size: .9rem; }
.error { margin: 4px 0 0; color: var(--bad); font-weight: 600; font-size: .9rem; }
.alert { border-left: 4px solid var(--bad); background: var(--bad-bg); padding: 2px 12px; margin: 8px 0; }
fieldset.shape { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; padding: 6px 12px 10px; }
fieldset.shape legend { font-weight: 600; padding: 0 4px; }
fieldset.shape label { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
button { font: inherit; font-weight: 600; padding: 8px 16px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:hover { filter: brightness(1.1); }
.seed { margin-top: 14px; } .seed summary { cursor: pointer; color: var(--accent); }
.badge { display: inline-block; font-weight: 700; font-size: .85rem; letter-spacing: .02em; padding: 2px 10px; border-radius: 999px; border: 1px solid transparent; }
.badge.small { font-size: .72rem; padding: 0 6px; }
.badge.success { background: var(--ok-bg); color: var(--ok); border-color: #9fd5ad; }
.badge.failure { background: var(--bad-bg); color: var(--bad); border-color: #efa3a6; }
.badge.in_progress { background: var(--run-bg); color: var(--run); border-color: #e9d38f; }
.badge.waiting_for_approval, .badge.declined { background: #eceff4; color: #394152; }
.crumbs { margin: 0; color: var(--muted); }
.runid { font-size: 1rem; font-weight: 400; color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px 24px; background: var(--card);
  border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; margin: 0; }
.facts div { min-width: 0; } .facts dt { color: var(--muted); font-size: .85rem; } .facts dd { margin: 0; overflow-wrap: anywhere; }
.facts .label { font-weight: 600; } .facts .wide { grid-column: 1 / -1; }
.none { color: var(--muted); }
.bad { color: var(--bad); font-weight: 600; }
.logs { list-style: none; margin: 0; padding: 10px 14px; background: #111722; color: #e6ebf3; border-radius: 10px;
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; min-height: 2.5em; }
.logs:empty { display: none; }
.logs li { padding: 2px 0; overflow-wrap: anywhere; } .logs time { color: #8d99ad; margin-right: 8px; }
.plain { list-style: none; margin: 0; padding: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: .85rem; color: var(--muted); }
tr.failed td { background: var(--bad-bg); }
.kv th { font-weight: 600; width: 30%; } .kv td code { overflow-wrap: anywhere; }
.entities { list-style: none; padding: 0; margin: 0; display: grid; gap: 10px; }
.entities li { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 4px 14px 10px; }
.refused li { margin-bottom: 8px; }
pre { background: #eef1f5; padding: 10px 12px; border-radius: 8px; overflow-x: auto; font-size: .85rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
@media (max-width: 640px) {
  .top, main { padding-left: 12px; padding-right: 12px; }
  .cards { grid-template-columns: 1fr; }
  h1 { font-size: 1.3rem; }
  table.runs thead { display: none; }
  table.runs tr { display: block; border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.runs td { display: inline-block; border: 0; padding: 2px 8px; }
}
`;

export const APP_JS = `
(function () {
  var stream = document.body.getAttribute('data-stream');
  if (!stream || !window.EventSource) return;
  var source = new EventSource(stream);
  source.addEventListener('page', function (event) {
    var msg = JSON.parse(event.data);
    var regions = msg.regions || {};
    Object.keys(regions).forEach(function (key) {
      var el = document.querySelector('[data-region="' + key + '"]');
      if (el) el.innerHTML = regions[key];
    });
    if (msg.logs) {
      var list = document.getElementById('log-lines');
      if (!list) return;
      if (msg.logs.from === 0) list.innerHTML = '';
      list.insertAdjacentHTML('beforeend', msg.logs.items.join(''));
      list.setAttribute('data-count', String(list.children.length));
      var empty = document.getElementById('no-logs');
      if (empty) empty.hidden = list.children.length > 0;
    }
    if (msg.title) document.title = msg.title;
  });
})();
`;
