"""The cold part: navigation -> ready and -> first frame, Python page vs plain-JS page, on an empty
cache (first visit), a warm cache (second visit, once the service worker has the site) and as a
returning visitor (third visit); and the Python runtime alone (bench/pages/runtime.html: the loader
and Pyodide, no TF.js, no PyScript, no app), the floor under any Python page's start-up. Medians
over runs with their range; the Python pages' start-up split into phases by their marks. Also
records which URLs each page's first visit fetched (the bytes part weighs them)."""

from __future__ import annotations

import statistics

from support.service_worker import SERVICE_WORKER_READY

from bench.browser import Bench, failure, recorded

# Start-up of the Python pages, from the performance marks "tyb:<name>" that site/pyodide-loader.mjs
# and the app write. The runtime boots while the page and PyScript load, so the marks are given in
# the order they came, each with the time since the one before it:
#   runtime-start   the loader starts Pyodide (wasm, stdlib, interpreter; or the snapshot's restore)
#   pyscript-asks   PyScript, loaded, asks for the interpreter
#   runtime-ready   the interpreter is up
#   python-start    PyScript's own set-up and the app's files done; the entry point's first import
#   app-start       the app's modules imported (already imported in a snapshot)
#   backend-ready   TF.js's backend up (site/boot.js started it)
#   model-files     the model's files fetched and checked (site/boot.js started that too)
#   model-loaded    TF.js built the graph model
#   ready           first inference (warm-up), dataset restore, DOM
START_MARKS = ("runtime-start", "pyscript-asks", "runtime-ready", "python-start", "app-start", "backend-ready",
               "model-files", "model-loaded", "ready")
MARKS_JS = """Object.fromEntries(performance.getEntriesByType("mark")
  .filter((m) => m.name.startsWith("tyb:")).map((m) => [m.name.slice(4), m.startTime]))"""
COLD_VISITS = ("empty_cache", "warm_cache", "returning")  # the first, second and third visit
RUNTIME_ALONE = "bench/runtime.html"  # the loader and Pyodide only, nothing else on the page


def phases(marks: dict) -> dict[str, dict] | None:
    """Each mark's time from navigation and since the mark before it (ms), in the order they came;
    None when a mark is missing (the plain-JS pages write none)."""
    if any(mark not in marks for mark in START_MARKS):
        return None
    out, previous = {}, 0.0
    for mark in sorted(START_MARKS, key=lambda m: marks[m]):
        out[mark] = {"at": round(marks[mark], 1), "after_previous": round(marks[mark] - previous, 1)}
        previous = marks[mark]
    return out


def summarise(values: list[float]) -> dict:
    """Median and range, rounded to whole ms."""
    return {"median": round(statistics.median(values)), "range": [round(min(values)), round(max(values))]}


def cold_visit(bench: Bench, context, demo: str, impl: str, backend: str) -> tuple[dict, object]:
    """One visit: its figures, and the page (still open)."""
    page = bench.open(context, demo, impl, backend, 240)
    marks = page.evaluate("window.__marks")
    visit = {"ready_ms": round(marks.get("ready", 0)), "first_frame_ms": round(marks.get("frame", 0))}
    if impl == "python":
        visit["boot"] = page.get_attribute("body", "data-boot")
        visit["phases_ms"] = phases(page.evaluate(MARKS_JS))
    return visit, page


def cold_summary(visits: list[dict]) -> dict:
    """Medians over runs of one page's visits of one kind (empty or warm cache): ready and first
    frame, the range of ready, how the Python page booted, and its start-up marks in median order."""
    ready = summarise([v["ready_ms"] for v in visits])
    out = {"ready_ms": ready["median"], "first_frame_ms": summarise([v["first_frame_ms"] for v in visits])["median"],
           "ready_ms_range": ready["range"]}
    if "boot" in visits[0]:
        out["boot"] = sorted({v["boot"] for v in visits})
    split = [v["phases_ms"] for v in visits if v.get("phases_ms")]
    if split:
        at = {m: summarise([s[m]["at"] for s in split]) for m in START_MARKS}
        since = {m: summarise([s[m]["after_previous"] for s in split]) for m in START_MARKS}
        out["phases_ms"] = {m: {"at": at[m], "after_previous": since[m]}
                            for m in sorted(START_MARKS, key=lambda m: at[m]["median"])}
    return out


def runtime_visit(bench: Bench, context) -> dict:
    """The Python runtime alone (bench/pages/runtime.js), ready ms from navigation and how it booted:
    the floor under any Python page's start-up on this machine. A failure is {"skipped": why}."""
    page = context.new_page()
    try:
        page.goto(bench.base + RUNTIME_ALONE)
        page.wait_for_selector("body[data-state=ready]", state="attached", timeout=120_000)
        return {"ready_ms": round(page.evaluate("window.__marks.ready")), "boot": page.get_attribute("body", "data-boot")}
    except Exception as error:
        return {"skipped": failure(error)}
    finally:
        page.close()


def runtime_summary(visits: list[dict]) -> dict:
    """Median and range of the runtime alone over the runs that finished, and how many did not."""
    done = [v for v in visits if "skipped" not in v]
    if not done:
        return {"skipped": visits[0]["skipped"]}
    ready = summarise([v["ready_ms"] for v in done])
    return {"ready_ms": ready["median"], "ready_ms_range": ready["range"], "boot": sorted({v["boot"] for v in done}),
            "skipped_runs": len(visits) - len(done)}


def part_cold(bench: Bench, backend: str, runs: int) -> tuple[list[dict], dict]:
    """Per run, each page in a new browser context: an empty cache, then a second visit in the same
    context (HTTP cache, service worker with its precache, IndexedDB). Runs alternate the four pages,
    so a change in machine load reaches all of them; figures are medians over runs, with their range.
    Returns the rows and, per (demo, impl), the URLs its first visit fetched."""
    visits: dict[tuple, list[dict]] = {}
    runtime_alone: dict[str, list[dict]] = {"empty_cache": [], "returning": []}
    skipped, loaded = {}, {}
    for run in range(runs):
        context = bench.context()
        runtime_alone["empty_cache"].append(runtime_visit(bench, context))
        context.close()
        for demo in ("teach", "detect"):
            for impl in ("python", "js"):
                context = bench.context()
                urls = []

                def fetched(response, urls=urls):  # not the service worker's own precache downloads
                    if response.request.service_worker is None:
                        urls.append(response.url)
                context.on("response", fetched)
                row: dict = {}
                with recorded(row, context):
                    empty, page = cold_visit(bench, context, demo, impl, backend)
                    loaded[demo, impl] = sorted(set(urls))
                    if impl == "python":  # the second visit comes once the offline cache is filled
                        empty["service_worker_ready"] = page.evaluate(SERVICE_WORKER_READY)
                    page.close()
                    warm, page = cold_visit(bench, context, demo, impl, backend)
                    page.close()
                    # A third visit: Chromium compiles a script it has run twice and keeps that code
                    # beside the cached file (HTTP cache or the service worker's), so from the third
                    # visit on neither page compiles its JavaScript again.
                    returning, page = cold_visit(bench, context, demo, impl, backend)
                    page.close()
                    visits.setdefault((demo, impl), []).append(
                        {"empty_cache": empty, "warm_cache": warm, "returning": returning})
                    if (demo, impl) == ("teach", "python"):  # with the site's files cached as a returning visitor has them
                        runtime_alone["returning"].append(runtime_visit(bench, context))
                if "skipped" in row:
                    skipped[demo, impl] = row["skipped"]
                print(f"  cold run {run + 1}/{runs} {demo:6s} {impl:6s} "
                      f"{row.get('skipped') or visits[demo, impl][-1]}", flush=True)
    rows = []
    for demo in ("teach", "detect"):
        for impl in ("python", "js"):
            row = {"demo": demo, "impl": impl, "backend": backend, "runs": visits.get((demo, impl), [])}
            if skipped.get((demo, impl)):
                row["skipped"] = skipped[demo, impl]
            for cache in COLD_VISITS if row["runs"] else ():
                row[cache] = cold_summary([r[cache] for r in row["runs"]])
            rows.append(row)
    if runtime_alone["returning"]:
        rows.append({"demo": "runtime", "impl": "alone", "backend": "-", "runs": runtime_alone,
                     **{cache: runtime_summary(alone) for cache, alone in runtime_alone.items()}})
    for row in rows:
        if row["impl"] == "python" and "empty_cache" in row:
            js = next(r for r in rows if r["demo"] == row["demo"] and r["impl"] == "js")
            if "empty_cache" in js:
                row["ratio_to_js"] = {cache: round(row[cache]["ready_ms"] / js[cache]["ready_ms"], 2)
                                      for cache in COLD_VISITS}
    return rows, loaded
