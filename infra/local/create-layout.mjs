// Creates the storage layout of shared/design/system.md in a running Azurite: the blob containers and the Storage
// queues (with their poison queues) that the local/emulated pipeline uses. Idempotent: existing ones are kept.
// Node built-ins only; requests are signed with Azurite's well-known development account key (emulator only).
//
// usage: node create-layout.mjs <blobEndpoint> <queueEndpoint>
//   e.g. node create-layout.mjs http://127.0.0.1:10000/devstoreaccount1 http://127.0.0.1:10001/devstoreaccount1

import { createHmac } from 'node:crypto';

const account = 'devstoreaccount1';
// Azurite's published development key (https://learn.microsoft.com/azure/storage/common/storage-use-azurite).
const key = Buffer.from(
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');
const version = '2021-08-06';

const containers = ['images', 'models', 'datasets', 'jobs', 'labels', 'reports'];
const queues = ['shards', 'finalize', 'shards-poison', 'finalize-poison'];

function sign(method, url, headers) {
  const canonicalHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-ms-'))
    .sort()
    .map((name) => `${name}:${headers[name]}\n`)
    .join('');
  const query = [...url.searchParams.keys()].sort()
    .map((name) => `\n${name.toLowerCase()}:${url.searchParams.getAll(name).sort().join(',')}`)
    .join('');
  const stringToSign = [method, '', '', '', '', '', '', '', '', '', '', ''].join('\n') + '\n'
    + canonicalHeaders + `/${account}${url.pathname}` + query;
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
}

async function put(url, what) {
  const headers = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': version };
  headers.authorization = `SharedKey ${account}:${sign('PUT', url, headers)}`;
  const response = await fetch(url, { method: 'PUT', headers });
  const body = await response.text();
  if (response.status === 201) {
    console.error(`created ${what}`);
  } else if (response.status === 204 || (response.status === 409 && body.includes('AlreadyExists'))) {
    console.error(`kept ${what}`);
  } else {
    throw new Error(`creating ${what} failed: HTTP ${response.status} ${body.slice(0, 300)}`);
  }
}

const [blobEndpoint, queueEndpoint] = process.argv.slice(2);
if (!blobEndpoint || !queueEndpoint) {
  console.error('usage: node create-layout.mjs <blobEndpoint> <queueEndpoint>');
  process.exit(2);
}

try {
  for (const container of containers) {
    await put(new URL(`${blobEndpoint}/${container}?restype=container`), `container ${container}`);
  }
  for (const queue of queues) {
    await put(new URL(`${queueEndpoint}/${queue}`), `queue ${queue}`);
  }
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}
