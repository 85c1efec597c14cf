#!/usr/bin/env bash
# The generated references must match the code they are generated from:
# docs/errors.md, docs/csv.md, docs/vocab.md (stsscan errors|columns|vocab --markdown),
# and the man page must render without warnings.
#   docs_check.sh STSSCAN DOCS_DIR
set -u
bin=$1 docs=$2 rc=0
for pair in errors:errors.md columns:csv.md vocab:vocab.md; do
  cmd=${pair%%:*} file=${pair#*:}
  if ! diff -u "$docs/$file" <("$bin" "$cmd" --markdown) >/tmp/docs_check.$$ 2>&1; then
    echo "docs/$file is stale: regenerate it with: stsscan $cmd --markdown > docs/$file"
    head -40 /tmp/docs_check.$$
    rc=1
  else
    echo "docs/$file matches 'stsscan $cmd --markdown'"
  fi
done
rm -f /tmp/docs_check.$$
# every option of `scan --help` is in the man page, and groff renders it cleanly
warn=$("$bin" manpage | groff -man -Tutf8 -ww -z 2>&1)
if [ -n "$warn" ]; then echo "man page: groff warnings:"; echo "$warn"; rc=1; fi
page=$("$bin" manpage | groff -man -Tutf8 2>/dev/null | col -b)
for opt in $("$bin" scan --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
  base=${opt#--}
  base=${base#\[no-\]}
  grep -q -- "${base}" <<<"$page" || { echo "man page lacks $opt"; rc=1; }
done
[ $rc = 0 ] && echo "man page renders and lists every option"
exit $rc
