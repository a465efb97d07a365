#!/usr/bin/env bash
# The repository stands alone: no build file, script, test, benchmark or source may name a path
# outside it (a sibling `shared/` folder, or a home or work folder of one machine). Test data
# lives in tests/data. Usage: stands_alone_test.sh [REPOSITORY_ROOT]
# Fails listing every offending line.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "stands_alone_test: cannot enter $root" >&2; exit 2; }

# Written with a bracket so that this file does not match itself.
patterns=(
  '[.][.]/+shared'          # a folder beside the clone
  'shared/+testdat[a]'      # the old location of the test photos
  '(^|[^[:alnum:]_.-])/wor[k]/'
  '(^|[^[:alnum:]_.-])/hom[e]/'
  '(^|[^[:alnum:]_.-])/roo[t]/'
)
regex=$(IFS='|'; echo "${patterns[*]}")

# Files to check: every CMake file, and everything under these folders (tests/data excepted:
# it holds the data and its READMEs, not code).
folders=(.ci scripts tests bench qr signing imaging server kiosk web schema)
list_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files --cached --others --exclude-standard
  else
    find . \( -name .git -o -name node_modules -o -name 'build*' -o -name var \) -prune -o -type f -print | sed 's#^\./##'
  fi
}

files=()
while IFS= read -r f; do
  [ -f "$f" ] || continue
  case "$f" in
    tests/data/*|*/node_modules/*|node_modules/*) continue ;;
  esac
  wanted=false
  case "$f" in
    CMakeLists.txt|*/CMakeLists.txt|*.cmake) wanted=true ;;
  esac
  for d in "${folders[@]}"; do [ "${f%%/*}" = "$d" ] && wanted=true; done
  $wanted && files+=("$f")
done < <(list_files)
checked=${#files[@]}

found=0
if [ "$checked" -gt 0 ]; then
  hits=$(grep -I -H -n -E "$regex" -- "${files[@]}")
  if [ -n "$hits" ]; then
    sed 's/^/outside path: /' <<<"$hits"
    found=$(wc -l <<<"$hits")
  fi
fi

if [ "$checked" -eq 0 ]; then
  echo "stands_alone_test: no files checked under $root" >&2
  exit 2
fi
if [ "$found" -gt 0 ]; then
  echo "FAIL: $found reference(s) to paths outside the repository in $checked files checked." \
       "Copy what is needed into tests/data (with its licence) and use a path relative to the repository."
  exit 1
fi
echo "OK: $checked files checked, no path outside the repository"
