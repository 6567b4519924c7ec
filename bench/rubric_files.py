"""How long and how much memory validating hostile or huge rubric files costs.

The goal: every file up to the 1 MiB limit is answered within a second without large
memory use. Each case prints wall time (without tracing) and peak Python memory (a
second run under tracemalloc), next to the shipped core rubric as a baseline.

    .venv/bin/python bench/rubric_files.py
"""

import time
import tracemalloc

from interview.rubrics.loader import MAX_BYTES, MAX_VALUES
from interview.rubrics.operations import LIBRARY
from interview.rubrics.schema import validate


def _competency(i: int, probes: int) -> str:
    probe_list = ", ".join(f"p{j}" for j in range(probes))
    return (
        f"- key: c{i}\n  name: C{i}\n  definition: d\n  assessed_by: both\n"
        f"  anchors: {{1: a, 2: b, 3: c, 4: d}}\n"
        f"  questions:\n"
        + "".join(f"  - {{text: q{k}, probes: [{probe_list}]}}\n" for k in range(12))
        + "  evidence: {positive: [x], negative: [y]}\n  cues: {clinical: c, technical: t}\n"
    )


def cases() -> dict[str, bytes]:
    head = "key: big\ntitle: Big\ndescription: d\njob_families: [x-y]\ncompetencies:\n"
    near = MAX_VALUES // 2 - 10
    return {
        "shipped core rubric (baseline)": (
            LIBRARY / "core-cross-functional.yaml"
        ).read_bytes(),
        "1 MiB of '[' (deep nesting)": b"[" * MAX_BYTES,
        "billion laughs": (
            b'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            + b"".join(
                b"a%d: &a%d [%s]\n" % (i, i, b",".join([b"*a%d" % (i - 1)] * 9))
                for i in range(1, 10)
            )
        ),
        "1 MiB of duplicate keys": b"k: 1\n" * (MAX_BYTES // 5),
        f"{near:,} duplicate keys (just under the value cap)": b"k: 1\n" * near,
        f"{near:,} unknown fields": b"".join(b"k%d: 1\n" % i for i in range(near)),
        "30 competencies with full question lists": (
            head + "".join(_competency(i, 10) for i in range(30))
        ).encode(),
        "1 MiB single string": b"key: " + b"x" * (MAX_BYTES - 6),
        "over 1 MiB": b"#" * (MAX_BYTES + 1),
        "not UTF-8": b"\xff" * MAX_BYTES,
    }


def main() -> None:
    print(f"{'case':<48}{'size':>10}{'ms':>9}{'peak MiB':>10}  outcome")
    for name, raw in cases().items():
        started = time.perf_counter()
        result = validate(raw)
        elapsed = (time.perf_counter() - started) * 1000
        tracemalloc.start()
        validate(raw)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        outcome = "ok" if result.ok else str(result.problems[0])[:60]
        print(f"{name:<48}{len(raw):>10,}{elapsed:>9.1f}{peak:>10.1f}  {outcome}")


if __name__ == "__main__":
    main()
