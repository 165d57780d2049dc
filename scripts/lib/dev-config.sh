#!/usr/bin/env bash
# Prepares a Home Assistant configuration folder for development or the browser tests (sourced
# by scripts/develop; tests/browser runs it too). Sourced, not executed.

# prepare_dev_config CONFIG_DIR: automations.yaml if missing, and a fresh copy of this
# repository's blueprints under CONFIG_DIR/blueprints/automation/pop3_mail.
prepare_dev_config() {
  local config="$1" repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  mkdir -p "$config/blueprints/automation"
  [ -e "$config/automations.yaml" ] || echo "[]" >"$config/automations.yaml"
  # A copy, not a symlink: Home Assistant finds blueprints with Path.glob("**/*.yaml"), which
  # does not follow symlinked folders on Python 3.13, so a linked blueprint never shows up.
  # Copied again on every start, so it stays current.
  rm -rf "$config/blueprints/automation/pop3_mail"
  cp -R "$repo/blueprints/automation/pop3_mail" "$config/blueprints/automation/pop3_mail"
}
