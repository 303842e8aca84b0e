"""Loading the embedded model on CPUs where llama.cpp's extra buffer types crash (AMX): the defaults are wrapped
only while loading, only when asked, and always restored."""

from __future__ import annotations

from pathlib import Path

import llama_cpp.llama_cpp as bindings

from luodi.models.embedded import cpu_has_amx, plain_cpu_buffers


def test_extra_buffers_are_off_only_inside_the_block() -> None:
    before = bindings.llama_model_default_params
    assert bindings.llama_model_default_params().use_extra_bufts is True
    with plain_cpu_buffers(True):
        assert bindings.llama_model_default_params().use_extra_bufts is False
    assert bindings.llama_model_default_params is before and before().use_extra_bufts is True


def test_disabled_changes_nothing() -> None:
    before = bindings.llama_model_default_params
    with plain_cpu_buffers(False):
        assert bindings.llama_model_default_params is before


def test_defaults_are_restored_when_loading_fails() -> None:
    before = bindings.llama_model_default_params
    try:
        with plain_cpu_buffers(True):
            raise RuntimeError("the model file is corrupt")
    except RuntimeError:
        pass
    assert bindings.llama_model_default_params is before


def test_amx_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    flags = tmp_path / "cpuinfo"
    flags.write_text("flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n")
    assert cpu_has_amx(flags)
    flags.write_text("flags\t\t: fpu avx2 fma\n")
    assert not cpu_has_amx(flags)
    assert not cpu_has_amx(tmp_path / "missing")
