"""A core-only install imports Luodi and serves a plain chat assistant without torch, sentence-transformers,
transformers or scikit-learn; the packs that need them are skipped with a warning.

The check runs in a fresh interpreter that hides those libraries before importing luodi (the test process itself
has them loaded), then starts a `Platform`, makes a tenant and key, and serves one chat completion over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from luodi.config import DEFAULTS_FILE

ROOT = Path(__file__).resolve().parent.parent
HEAVY_LIBRARIES = ("torch", "sentence_transformers", "transformers", "sklearn")
HEAVY_DISTRIBUTIONS = ("torch", "sentence-transformers", "transformers", "scikit-learn")

# argv: config path, heavy import names, heavy distribution names; prints one JSON line last
CORE_ONLY_SERVER = r'''
import importlib.abc
import importlib.metadata
import json
import re
import sys

HEAVY = frozenset(sys.argv[2].split(","))
HEAVY_DISTRIBUTIONS = frozenset(sys.argv[3].split(","))


class WithoutHeavyLibraries(importlib.abc.MetaPathFinder):
    """Every finder there was, minus the heavy libraries: `import torch` raises ModuleNotFoundError and
    importlib.util.find_spec("torch") is None, as in an install without them."""

    def __init__(self, finders):
        self.finders = finders

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HEAVY:
            return None
        for finder in self.finders:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                return spec
        return None

    def find_distributions(self, *args, **kwargs):
        for finder in self.finders:
            for found in getattr(finder, "find_distributions", lambda *a, **k: [])(*args, **kwargs):
                if re.sub(r"[-_.]+", "-", found.metadata["Name"] or "").lower() not in HEAVY_DISTRIBUTIONS:
                    yield found

    def invalidate_caches(self):
        for finder in self.finders:
            if hasattr(finder, "invalidate_caches"):
                finder.invalidate_caches()


assert not HEAVY & set(sys.modules), "a heavy library was loaded before luodi"
sys.meta_path[:] = [WithoutHeavyLibraries(list(sys.meta_path))]

from fastapi.testclient import TestClient

from luodi.api.app import create_app
from luodi.config import load_settings
from luodi.gateway.tenants import create_key, create_tenant
from luodi.pack import ENTRY_POINT_GROUP, load_pack
from luodi.platform import Platform

platform = Platform(load_settings(sys.argv[1]))
with platform.store.transaction() as session:
    _, secret = create_key(session, create_tenant(session, "core-only"), "test")
with TestClient(create_app(platform)) as client:
    response = client.post(
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {secret}"},
        json={"model": "general", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8},
    )
shipped = [load_pack(point.value) for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
print(json.dumps({
    "status": response.status_code,
    "body": response.json(),
    "served_packs": [pack.name for pack in platform.packs],
    "served_assistants": sorted(platform.settings.assistants),
    "packs_needing_heavy": [pack.name for pack in shipped if HEAVY & set(pack.requires)],
    "heavy_loaded": sorted(HEAVY & {name.partition(".")[0] for name in sys.modules}),
}))
'''


def write_shipped_config(folder: Path) -> Path:
    """The shipped defaults, all five assistants, in a folder of the test's own."""
    config = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    config.update(data_dir=str(folder / "data"), database_url="", embedded_parallel=1)
    path = folder / "luodi.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_the_core_serves_a_chat_assistant_without_the_heavy_libraries(tmp_path: Path) -> None:
    command = [sys.executable, "-c", CORE_ONLY_SERVER, str(write_shipped_config(tmp_path)),
               ",".join(HEAVY_LIBRARIES), ",".join(HEAVY_DISTRIBUTIONS)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert result["status"] == 200, result["body"]
    assert result["body"]["choices"][0]["message"]["content"].strip()
    assert result["heavy_loaded"] == []
    skipped = result["packs_needing_heavy"]
    assert skipped, "no shipped pack needs a heavy library: the skipping is not exercised"
    assert not set(skipped) & set(result["served_packs"])
    for pack in skipped:
        assert f"pack {pack} is skipped" in run.stderr
    # the shipped defaults start: the assistants of skipped packs are left out, named, and `general` serves
    assert result["served_assistants"] == ["general"]
    for assistant in ("hotel", "hotel-zh", "funds", "filings"):
        assert f"assistant {assistant} is not served" in run.stderr
