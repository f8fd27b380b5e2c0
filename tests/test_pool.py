"""The extraction pool's processes: started up front, and not re-running the parent's ``__main__``."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_workers_do_not_rerun_the_parents_main_script(tmp_path):
    """Under Prefect's engine or the ``borderwatch`` script, ``__main__`` imports all of Prefect: "spawn" would
    re-run it in every worker, every run."""
    marker = tmp_path / "imported-by"
    script = tmp_path / "main_script.py"
    script.write_text(textwrap.dedent(f"""
        import os
        import sys

        if __name__ != "__main__":  # a spawned child re-running this file
            with open({str(marker)!r}, "a") as f:
                f.write(__name__ + "\\n")

        if __name__ == "__main__":
            from borderwatch.extract import make_pool

            with make_pool(2) as pool:
                started = len(pool._processes)  # before any job of ours: started up front
                pid = pool.submit(os.getpid).result()
            assert sys.modules["__main__"].__file__ == {str(script)!r}  # restored in the parent
            print(started, pid != os.getpid())
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "True"]
    assert not marker.exists(), marker.read_text()
