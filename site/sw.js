// The service worker: the site keeps working with the network gone, after one visit.
//
// sw-precache.js (written by scripts/build_site.py) lists every file the pages may load with its
// sha256, and a version derived from all of them. Installing a version downloads and checks each
// file (a file whose bytes do not match its hash fails the install, so a half-updated deploy is
// never cached) into the cache "tyb-<version>"; activating deletes every older cache. A deploy that
// changes any file changes sw-precache.js, which the browser re-checks, so the next visit installs
// the new version and stale files are dropped.
//
// Requests are network-first: online, a visitor always gets the deployed files (as without this
// worker); when the network fails, the cached copy of the same version answers.
importScripts("./sw-precache.js");

const { version, files } = self.TYB_PRECACHE;
const PREFIX = "tyb-";
const CACHE = PREFIX + version;
const HASH_HEADER = "x-tyb-sha256";

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function sha256(buffer) {
  return hex(await crypto.subtle.digest("SHA-256", buffer));
}

// A copy of `response` whose body is `body`, marked with its hash (so a later version can reuse it).
function stored(response, body, hash) {
  const headers = new Headers(response.headers);
  headers.set(HASH_HEADER, hash);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

// An entry an older version already holds with the same bytes: no need to download it again.
async function reusable(url, hash) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await (await caches.open(name)).match(url);
    if (old && old.headers.get(HASH_HEADER) === hash) return old;
  }
  return null;
}

// Download `url` and check it; the HTTP cache may answer first, a mismatch retries past it.
async function download(url, hash) {
  for (const mode of ["default", "reload"]) {
    const response = await fetch(url, { cache: mode });
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    const body = await response.arrayBuffer();
    if ((await sha256(body)) === hash) return stored(response, body, hash);
  }
  throw new Error(`${url} does not match its sha256 in sw-precache.js (a deploy in progress?)`);
}

async function install() {
  const cache = await caches.open(CACHE);
  for (const [path, hash] of Object.entries(files)) {
    const url = new URL(path, self.registration.scope).href;
    const old = await cache.match(url);
    if (old && old.headers.get(HASH_HEADER) === hash) continue; // an interrupted install resumed
    await cache.put(url, (await reusable(url, hash)) || (await download(url, hash)));
  }
}

async function activate() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
  }
  await self.clients.claim();
}

async function respond(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    // A page opened with ?backend=… is the same cached page.
    const hit = await cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("install", (event) => event.waitUntil(install().then(() => self.skipWaiting())));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});
