#!/usr/bin/env bash
# Extract and compile the Chinese catalogue.
#   scripts/messages.sh            the project catalogue (beatbook/locale: core,
#                                  accounts, registry, beatbook/templates)
#   scripts/messages.sh APP        one feature app's own (beatbook/APP/locale:
#                                  its code and beatbook/APP/templates)
# Then translate the new entries in the .po (no "fuzzy", no empty msgstr) and
# run it again to compile: test_i18n fails on an incomplete or stale catalogue.
set -euo pipefail
# an app folder holds modules named like the standard library (selectors.py)
export PYTHONSAFEPATH=1
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/.venv/bin/python"
# the commands run from an app folder; keep their var/ (secret key) at the top
export BEATBOOK_HOME="$root"
apps=(exchange search visits sweeps sensing alerts notify)
if [[ $# -eq 0 ]]; then
  cd "$root/beatbook"
  ignores=(--ignore "tests*" --ignore "*/tests/*")
  for app in "${apps[@]}"; do ignores+=(--ignore "$app/*"); done
  "$py" -m beatbook makemessages -l zh_Hans --no-obsolete "${ignores[@]}"
  "$py" -m beatbook compilemessages -l zh_Hans
else
  cd "$root/beatbook/$1"
  mkdir -p locale/zh_Hans/LC_MESSAGES
  BEATBOOK_APP_MESSAGES=1 "$py" -m beatbook makemessages -l zh_Hans --no-obsolete \
    --ignore "tests*" --ignore "*/tests/*"
  BEATBOOK_APP_MESSAGES=1 "$py" -m beatbook compilemessages -l zh_Hans
fi
