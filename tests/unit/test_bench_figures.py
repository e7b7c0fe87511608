"""The benchmark's arithmetic: paired per-round loop figures and CPU time outside the TF.js kernels."""

import pytest

from bench.cold import START_MARKS, cold_summary, phases, runtime_summary
from bench.loop import cpu_split, kernel_split, loop_figures

KERNEL_URL = "http://127.0.0.1:1/vendor/tfjs/tfjs-backend-wasm-simd.wasm"


def profile(samples, end_us):
    """samples: (url or "(idle)", delta_us) in order; nodes made per distinct name."""
    names = sorted({name for name, _ in samples})
    nodes = [{"id": i + 1, "callFrame": {"url": "" if name == "(idle)" else name,
                                         "functionName": "(idle)" if name == "(idle)" else "f"}}
             for i, name in enumerate(names)]
    ids = {name: i + 1 for i, name in enumerate(names)}
    return {"nodes": nodes, "startTime": 0, "endTime": end_us,
            "samples": [ids[name] for name, _ in samples], "timeDeltas": [delta for _, delta in samples]}


def test_cpu_split_separates_kernels_and_skips_idle_and_time_before_the_window():
    p = profile([("http://x/pyodide.asm.wasm", 5_000),   # at 5 ms: before the last 20 ms
                 ("http://x/pyodide.asm.wasm", 10_000),  # 15 ms
                 (KERNEL_URL, 10_000),                   # 25 ms
                 ("(idle)", 3_000),                      # 28 ms
                 ("http://x/tf.min.js", 2_000)],         # 30 ms
                end_us=30_000)
    assert cpu_split(p, last_ms=20) == pytest.approx({"kernels": 10.0, "outside_kernels": 12.0})


def test_kernel_split_is_per_frame_between_the_two_records():
    # [ms, frames, kernel ms] at a frame's end and 20 frames later: 1,500 ms, of which 1,300 in kernels
    assert kernel_split([1000.0, 40, 500.0], [2500.0, 60, 1800.0]) == pytest.approx(
        {"timed_kernels_ms": 65.0, "timed_outside_kernels_ms": 10.0})


def test_loop_figures_pair_the_timed_split_too():
    windows = {
        "python": [{"ms_per_frame": 75.0, "timed_outside_kernels_ms": 11.0},
                   {"ms_per_frame": 76.0, "timed_outside_kernels_ms": 11.5},
                   {"ms_per_frame": 74.0, "timed_outside_kernels_ms": 10.5}],
        "js": [{"ms_per_frame": 74.0, "timed_outside_kernels_ms": 9.5},
               {"ms_per_frame": 75.0, "timed_outside_kernels_ms": 10.5},
               {"ms_per_frame": 73.0, "timed_outside_kernels_ms": 9.8}],
    }
    figures = loop_figures(windows)
    assert figures["timed_overhead_ms_per_frame"] == pytest.approx(11.0 - 9.8)  # medians per page
    assert figures["timed_overhead_range"] == pytest.approx([0.7, 1.5])        # pairs: 1.5, 1.0, 0.7
    assert "cpu_overhead_ms_per_frame" not in figures


def test_loop_figures_pair_rounds_and_take_medians():
    windows = {
        "python": [{"ms_per_frame": 62.0, "cpu_outside_kernels_ms": 8.0},
                   {"ms_per_frame": 70.0, "cpu_outside_kernels_ms": 9.0},
                   {"ms_per_frame": 61.0, "cpu_outside_kernels_ms": 8.5}],
        "js": [{"ms_per_frame": 60.0, "cpu_outside_kernels_ms": 6.5},
               {"ms_per_frame": 66.0, "cpu_outside_kernels_ms": 7.0},
               {"ms_per_frame": 60.0, "cpu_outside_kernels_ms": 6.0}],
    }
    figures = loop_figures(windows)
    assert figures["python"]["ms_per_frame"] == 62.0
    assert figures["js"]["fps"] == pytest.approx(1000 / 60.0)
    assert figures["overhead_ms_per_frame"] == 2.0            # pairs: 2, 4, 1
    assert figures["overhead_range"] == [1.0, 4.0]
    assert figures["ratio"] == pytest.approx(60 / 62)         # pairs: 60/62, 66/70, 60/61
    assert figures["ratio_range"] == pytest.approx([66 / 70, 60 / 61])
    assert figures["cpu_overhead_ms_per_frame"] == pytest.approx(8.5 - 6.5)
    assert figures["cpu_overhead_range"] == pytest.approx([1.5, 2.5])  # pairs: 1.5, 2, 2.5


def test_loop_figures_without_profiles_report_no_cpu_overhead():
    windows = {"python": [{"ms_per_frame": 2000.0}], "js": [{"ms_per_frame": 1900.0}]}
    figures = loop_figures(windows)
    assert "cpu_overhead_ms_per_frame" not in figures
    assert figures["overhead_ms_per_frame"] == 100.0


def test_loop_figures_say_whether_each_pair_had_the_same_heap_layout():
    def windows(*pairs):
        return {"python": [{"ms_per_frame": 60.0, "heap_layout": py} for py, _ in pairs],
                "js": [{"ms_per_frame": 60.0, "heap_layout": js} for _, js in pairs]}

    assert loop_figures(windows(("205 allocations, hash a1", "205 allocations, hash a1")))["same_heap_layout"]
    assert not loop_figures(windows(("205 allocations, hash a1", "205 allocations, hash a1"),
                                    ("205 allocations, hash a1", "205 allocations, hash b2")))["same_heap_layout"]
    assert not loop_figures(windows((None, None)))["same_heap_layout"]  # never recorded: not "same"
    assert "same_heap_layout" not in loop_figures({"python": [{"ms_per_frame": 1.0}], "js": [{"ms_per_frame": 1.0}]})


def test_phases_list_the_marks_in_the_order_they_came_and_need_every_mark():
    marks = {"runtime-start": 100.0, "pyscript-asks": 600.0, "runtime-ready": 550.0, "python-start": 800.0,
             "app-start": 810.0, "backend-ready": 820.0, "model-files": 860.0, "model-loaded": 1060.0, "ready": 1400.0}
    split = phases(marks)
    assert list(split)[:3] == ["runtime-start", "runtime-ready", "pyscript-asks"]
    assert split["runtime-ready"] == {"at": 550.0, "after_previous": 450.0}
    assert split["pyscript-asks"] == {"at": 600.0, "after_previous": 50.0}
    assert sum(p["after_previous"] for p in split.values()) == marks["ready"]
    del marks["model-files"]
    assert phases(marks) is None  # a plain-JS page writes no marks


def test_cold_summary_takes_medians_and_keeps_how_the_pages_booted():
    def visit(ready, boot):
        marks = {m: float(i) for i, m in enumerate(START_MARKS)}
        marks["ready"] = float(ready)
        return {"ready_ms": ready, "first_frame_ms": ready + 100, "boot": boot, "phases_ms": phases(marks)}

    summary = cold_summary([visit(2000, "snapshot"), visit(3000, "snapshot"), visit(2500, "refused")])
    assert summary["ready_ms"] == 2500 and summary["first_frame_ms"] == 2600
    assert summary["ready_ms_range"] == [2000, 3000]
    assert summary["boot"] == ["refused", "snapshot"]
    assert list(summary["phases_ms"]) == list(START_MARKS)
    assert summary["phases_ms"]["ready"]["at"] == {"median": 2500, "range": [2000, 3000]}
    js = cold_summary([{"ready_ms": 900, "first_frame_ms": 1200}])
    assert "boot" not in js and "phases_ms" not in js


def test_runtime_alone_is_summarised_over_the_runs_that_finished_and_says_how_many_did_not():
    visits = [{"ready_ms": 1300, "boot": "snapshot"}, {"skipped": "TimeoutError: 120000 ms"},
              {"ready_ms": 1100, "boot": "snapshot"}, {"ready_ms": 1500, "boot": "snapshot"}]
    assert runtime_summary(visits) == {"ready_ms": 1300, "ready_ms_range": [1100, 1500], "boot": ["snapshot"],
                                       "skipped_runs": 1}
    assert runtime_summary([{"skipped": "TimeoutError: 120000 ms"}]) == {"skipped": "TimeoutError: 120000 ms"}
