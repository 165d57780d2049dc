#!/usr/bin/env bash
# Shared set-up for scripts/test, scripts/pop3-mail and scripts/develop: finds a Python >= 3.13,
# creates .venv and installs the pinned requirements into it. Sourced, not executed.

UV_VERSION="0.6.10"  # the version Home Assistant 2025.4.4 pins, so the test lock keeps it

# Prints the path of the first Python >= 3.13 that actually runs (pyenv shims fail unless selected).
find_python() {
  local candidate root
  local -a candidates=(python3.13 python3.14)
  if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
  else
    root="${PYENV_ROOT:-$HOME/.pyenv}"
  fi
  for candidate in "$root"/versions/3.13.*/bin/python3.13 "$root"/versions/3.14.*/bin/python3.14; do
    [ -x "$candidate" ] && candidates+=("$candidate")
  done
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1; then
      command -v "$candidate" || echo "$candidate"
      return 0
    fi
  done
  echo "error: no Python >= 3.13 found (tried python3.13, python3.14 and pyenv versions under $root)" >&2
  return 1
}

# Installs Debian packages that are missing, when we are allowed to (root); otherwise explains.
ensure_debian_packages() {
  local -a missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "warning: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 0
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# Creates .venv (recreated when its Python is too old) and syncs it with a pinned requirements file.
# Re-installs only when the requirements file or pyproject.toml changed.
ensure_venv() {
  local requirements="$1" python stamp wanted
  if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1; then
    python=$(find_python) || return 1
    echo "creating .venv with $python" >&2
    rm -rf .venv
    "$python" -m venv .venv
  fi
  if ! .venv/bin/python -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
    .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >&2
  fi
  stamp=".venv/.installed-$(basename "$requirements")"
  wanted=$(cat "$requirements" pyproject.toml | sha256sum | cut -d' ' -f1)
  # The test requirements are a superset of the runtime ones: a current test install serves both.
  if [ "$requirements" = requirements/runtime.txt ] && [ "$(cat .venv/.installed-test.txt 2>/dev/null)" = \
    "$(cat requirements/test.txt pyproject.toml | sha256sum | cut -d' ' -f1)" ]; then
    return 0
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "installing $requirements into .venv" >&2
    VIRTUAL_ENV="$PWD/.venv" .venv/bin/python -m uv pip install -q -r "$requirements" -e . >&2
    echo "$wanted" >"$stamp"
  fi
  # mypy cannot follow the editable install's package-dir mapping; show it the engine under its
  # installed name through a symlink inside .venv (pyproject: mypy_path).
  mkdir -p .venv/mypy-path
  ln -sfn ../../custom_components/pop3_mail/engine .venv/mypy-path/pop3_mail
}
