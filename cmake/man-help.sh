#!/bin/sh
# What help2man reads to write stsscan.1 (target stsscan_man in cmake/install.cmake):
# the command list and every subcommand's --help, as one --help text. To be replaced by a
# page generated from the options table (issue 13); the target name stays.
#   STSSCAN=path/to/stsscan man-help.sh --help | --version
bin=${STSSCAN:?set STSSCAN to the binary}
case ${1:-} in
  --version) "$bin" version ;;
  --help)
    "$bin" help
    for cmd in scan merge; do
      echo
      "$bin" "$cmd" --help
    done ;;
  *) exit 2 ;;
esac
