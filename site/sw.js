// The service worker: the site keeps working with the network gone, after one visit.
//
// sw-precache.js (written by scripts/build_site.py) lists every file the pages may load with its
// sha256, and a version derived from all of them. Installing a version downloads and checks each
// file (a file whose bytes do not match its hash fails the install, so a half-updated deploy is
// never cached) into the cache "tyb-<version>"; activating deletes every older cache. A deploy that
// changes any file changes sw-precache.js, which the browser re-checks, so the next visit installs
// the new version and stale files are dropped.
//
// A page of the deploy this worker cached is served from the cache: a navigation asks the network
// which version is deployed (sw-precache.js, a few KB, alongside the page), and when it is this
// worker's version (or the network is gone) the page and every file it loads come from the cache.
// That spares a round trip per file, and Chromium keeps the compiled code of what it read from the
// cache beside it: a returning visit reuses the wasm code compiled before, and from the third
// visit on the compiled JavaScript too (bench/run.py --parts cold measures both). A page of
// another deploy (or one whose check is lost, e.g. after the worker restarted) is network-first,
// as without this worker: online, a visitor always gets the deployed files.
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
    const old = await caches.match(url, { cacheName: name });
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

// The cached copy of `request` (a page opened with ?backend=… is the same cached page), or undefined.
// Looked up without caches.open, which would create the cache again: a worker still answering a
// fetch after the next version's activate() deleted its cache left an empty stale cache behind.
async function cached(request) {
  return caches.match(request, { cacheName: CACHE, ignoreSearch: request.mode === "navigate", ignoreVary: true });
}

// Whether the deployed site is the version this worker cached; true offline (the cache is all there is).
async function deployedIsCached() {
  try {
    const response = await fetch("./sw-precache.js", { cache: "no-cache" });
    if (!response.ok) return false;
    const text = await response.text();
    return JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)).version === version;
  } catch {
    return true;
  }
}

// Per page (client id): a promise of whether it is of the cached version, decided at its navigation.
const cachedPages = new Map();

async function forgetClosedPages(opening) {
  const open = new Set((await self.clients.matchAll()).map((client) => client.id));
  for (const id of cachedPages.keys()) if (id !== opening && !open.has(id)) cachedPages.delete(id);
}

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const hit = await cached(request);
    if (hit) return hit;
    throw error;
  }
}

async function respond(event) {
  const { request } = event;
  let fromCache;
  if (request.mode === "navigate") {
    fromCache = deployedIsCached();
    cachedPages.set(event.resultingClientId, fromCache);
    forgetClosedPages(event.resultingClientId);
  } else {
    fromCache = cachedPages.get(event.clientId);
  }
  if (fromCache && (await fromCache)) {
    const hit = await cached(request);
    if (hit) return hit;
  }
  return networkFirst(request);
}

self.addEventListener("install", (event) => event.waitUntil(install().then(() => self.skipWaiting())));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(event));
});
