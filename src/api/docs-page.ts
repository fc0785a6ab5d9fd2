/** A self-contained API reference: renders /openapi.json in the browser, no external assets. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bookbell API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem} h2{font-size:1.1rem;margin:2rem 0 .3rem} code,pre{font:13px ui-monospace,monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:700} .get{color:#0a7} .post{color:#06c} .patch{color:#a60}
.delete{color:#c33} h2+details{margin:.2rem 0 .8rem 4.5rem} pre{background:#f4f5f7;padding:.6rem;overflow:auto}
</style></head><body>
<h1>bookbell API reference</h1>
<p>Every <code>/v1</code> route needs <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are RFC 9457
<code>application/problem+json</code> whose <code>type</code> and <code>code</code> name one of the
<a href="/docs/problems">problem types</a>. The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
<div id="paths">Loading…</div>
<div id="schemas"></div>
<script>
const schemaName = (schema) =>
  schema.$ref ? schema.$ref.split('/').pop() : schema.type === 'array' && schema.items ? schemaName(schema.items) + '[]' : schema.type || 'schema';
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const root = document.getElementById('paths');
  root.textContent = '';
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const h = document.createElement('h2');
      const m = document.createElement('span');
      m.className = 'm ' + method; m.textContent = method.toUpperCase();
      const p = document.createElement('code'); p.textContent = path;
      h.append(m, p, document.createTextNode(' — ' + (op.summary || '')));
      root.append(h);
      const body = op.requestBody && op.requestBody.content['application/json'];
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = 'responses ' + Object.keys(op.responses).join(', ') + (body ? ' · request body' : '');
      const responses = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => {
        const [type, media] = Object.entries(r.content || {})[0] || [];
        return [status, [r.description, type, media && media.schema && schemaName(media.schema)].filter(Boolean).join(' · ')];
      }));
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify({ parameters: op.parameters, requestBody: body && body.schema, responses }, null, 2);
      details.append(summary, pre);
      root.append(details);
    }
  }
  // Named schemas (the bodies the responses above refer to, and the endpoint bodies endpoints receive).
  const schemas = document.getElementById('schemas');
  const title = document.createElement('h1');
  title.textContent = 'Schemas';
  schemas.append(title);
  for (const [name, schema] of Object.entries((doc.components && doc.components.schemas) || {})) {
    const details = document.createElement('details');
    details.id = 'schema-' + name;
    const summary = document.createElement('summary');
    summary.textContent = name + (schema.description ? ' — ' + schema.description : '');
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(schema, null, 2);
    details.append(summary, pre);
    schemas.append(details);
  }
});
</script></body></html>`;
