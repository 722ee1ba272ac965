"""``influscope import`` reports out-of-range and malformed values as located errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys


def test_import_prints_located_problems_without_a_traceback(tmp_path):
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "campaign.yaml").write_text("id: big\nname: Big\ngoal: bofu\nstart: 2026-03-01\nend: 2026-03-31\n"
                                          f"currency: TWD\nbudget: {'9' * 200}\n", encoding="utf-8")
    (bundle / "creators.csv").write_text("creator_id,platform,handle,followers\n"
                                         f"a,instagram,a,{'9' * 40}\nb,weibo,美食家小王,9223372036854775808\n",
                                         encoding="utf-8")
    (bundle / "costs.csv").write_text(f"cost_id,kind,amount,currency,incurred_on\nfee,fee,{'9' * 200},TWD,2026-03-01\n",
                                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "influscope.cli", "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
                           "import", str(bundle)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "OverflowError" not in done.stderr
    for where in ("campaign.yaml:7: budget:", "creators.csv:2: followers:", "creators.csv:3: followers:",
                  "costs.csv:2: amount:"):
        assert where in done.stderr, done.stderr
    assert "nothing was written" in done.stderr
