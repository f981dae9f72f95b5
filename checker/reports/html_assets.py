"""The HTML report's style sheet and script, inlined in every report and allowed by hash.

The script only filters rows already in the page: it reads data attributes, sets ``hidden`` and
writes numbers with ``textContent``. It never builds markup, so no report data can become code.
"""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --bg-alt: #f6f8fa; --failed: #a40e26; --passed: #116329; --waived: #0550ae;
  --unknown: #6e40c9; --errored: #953800; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem;
  margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--bg-alt); }
table.compact { width: auto; min-width: 24rem; }
span.mono, li.mono { overflow-wrap: anywhere; }
td.mono { min-width: 7rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, th { overflow-wrap: normal; }
td a, .status { overflow-wrap: normal; }
code, pre, .mono { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg-alt); border: 1px solid var(--line); padding: .5rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.verdict { font-weight: 600; }
.status { font-weight: 600; white-space: nowrap; }
.s-failed, .s-failing, .s-error { color: var(--failed); }
.s-passed, .s-passing { color: var(--passed); }
.s-waived, .s-baseline, .s-waiver { color: var(--waived); }
.s-unknown, .s-note { color: var(--unknown); }
.s-errored, .s-warning, .s-expired, .s-stale { color: var(--errored); }
.muted { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: end;
  background: var(--bg-alt); border: 1px solid var(--line); padding: .6rem .75rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; }
.filters select { font: inherit; min-width: 9rem; }
.job { border-top: 1px solid var(--line); padding-top: .25rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  tr[hidden] { display: table-row !important; }
  section[hidden] { display: block !important; }
  .filters { display: none !important; }
  h2 { break-after: avoid; }
  tr, .job { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.job-row"));
  var details = {};
  Array.prototype.forEach.call(document.querySelectorAll("section.job"), function (section) {
    details[section.id] = section;
  });
  var shown = document.getElementById("shown-count");
  function words(value) { return value ? value.split(" ") : []; }
  function matches(row, name, value) {
    if (!value) { return true; }
    if (name === "outcome" || name === "account") { return row.dataset[name] === value; }
    return words(row.dataset[name]).indexOf(value) !== -1;
  }
  function apply() {
    var wanted = {};
    ["outcome", "rules", "severities", "account"].forEach(function (name) {
      wanted[name] = form.elements[name].value;
    });
    var count = 0;
    rows.forEach(function (row) {
      var keep = Object.keys(wanted).every(function (name) {
        return matches(row, name, wanted[name]);
      });
      row.hidden = !keep;
      var section = details[row.dataset.detail];
      if (section) { section.hidden = !keep; }
      if (keep) { count += 1; }
    });
    shown.textContent = String(count);
  }
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();
"""


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline style or script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src {csp_hash(STYLE)}; "
    f"script-src {csp_hash(SCRIPT)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)
