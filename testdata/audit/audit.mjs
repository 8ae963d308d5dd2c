// Runs the graphql-http audit suite (GraphQL over HTTP conformance) against a running
// jiuzhu server and prints one JSON line per audit, then a summary line.
//
//   node audit.mjs URL [AUTHORIZATION]
//
// AUTHORIZATION, when given, is sent as the Authorization header of every request, so
// that the audits' queries reach the resolvers as a verified caller would. The exit code
// is 0 when the audit ran, whatever it found; the caller judges the counts.
import { serverAudits } from 'graphql-http';

const [url, authorization] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [AUTHORIZATION]');
  process.exit(2);
}

async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('Authorization', authorization);
  return fetch(input, { ...init, headers });
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
// One audit at a time, as a single client would send them.
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  counts[result.status]++;
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.httpStatus = result.response.status;
    line.body = await result.response.text().catch(() => '');
  }
  console.log(JSON.stringify(line));
}
console.log(JSON.stringify({ summary: counts }));
