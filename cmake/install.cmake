# Install rules and the Debian package (issue 10): `cmake --install BUILD` or
#   cd BUILD && cpack -G DEB      -> stsscan_<version>_<arch>.deb
# Layout under the prefix (/usr in the .deb):
#   bin/stsscan
#   share/man/man1/stsscan.1              (target stsscan_man, below)
#   share/doc/stsscan/                    README.md, docs/*.md, docs/schema.json
#   share/stsscan/analysis/               the analysis/ Python module and notebook, if present
#   share/stsscan/slurm/                  job array, merge job, driver (docs/scaling.md)
#   share/stsscan/unbound/                resolver config for real-internet scans (docs/operating.md)
include(GNUInstallDirs)

# ---- the man page: target stsscan_man producing ${CMAKE_BINARY_DIR}/stsscan.1 ------------
# If the build already defines stsscan_man (the page generated from the options table,
# issue 13), that generator is used and nothing here runs; include this file after it.
# Otherwise help2man (Debian) turns `stsscan help` + `stsscan scan|merge --help` into a page.
# Either way the install rule below takes ${CMAKE_BINARY_DIR}/stsscan.1.
set(STSSCAN_MAN_PAGE ${CMAKE_BINARY_DIR}/stsscan.1)
if(NOT TARGET stsscan_man)
  find_program(HELP2MAN help2man REQUIRED) # Debian help2man, installed by scripts/setup
  add_custom_command(OUTPUT ${STSSCAN_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -E env STSSCAN=$<TARGET_FILE:stsscan>
            ${HELP2MAN} --no-info --no-discard-stderr --section 1
            --name "measure MTA-STS, TLS-RPT and SMTP STARTTLS of many domains"
            --output ${STSSCAN_MAN_PAGE} ${CMAKE_SOURCE_DIR}/cmake/man-help.sh
    DEPENDS stsscan ${CMAKE_SOURCE_DIR}/cmake/man-help.sh
    COMMENT "Generating stsscan.1 (help2man)" VERBATIM)
  add_custom_target(stsscan_man ALL DEPENDS ${STSSCAN_MAN_PAGE})
endif()

install(TARGETS stsscan RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${STSSCAN_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md" PATTERN "*.json")
if(EXISTS ${CMAKE_SOURCE_DIR}/analysis)
  # the Python module and notebook (analysis/*.c, if any, is compiled into the binary)
  install(DIRECTORY analysis/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stsscan/analysis
    PATTERN "*.c" EXCLUDE PATTERN "*.h" EXCLUDE PATTERN "__pycache__" EXCLUDE
    PATTERN ".ipynb_checkpoints" EXCLUDE)
endif()
install(DIRECTORY scripts/slurm/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stsscan/slurm
  USE_SOURCE_PERMISSIONS)
install(DIRECTORY scripts/unbound/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stsscan/unbound)

# ---- cpack -G DEB ----------------------------------------------------------------------
set(STSSCAN_PACKAGE_MAINTAINER "stsscan maintainers <stsscan@invalid>" CACHE STRING
    "Maintainer field of the .deb (set it to a real address when you publish packages)")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stsscan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "mail transport security scanner (MTA-STS, TLS-RPT, SMTP STARTTLS)")
set(CPACK_PACKAGE_DESCRIPTION
    "stsscan measures MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and SMTP STARTTLS of up to millions of domains in one asynchronous process, and splits a list over a cluster (--shard K/N, stsscan merge, Slurm scripts in /usr/share/stsscan/slurm).")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${STSSCAN_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Depends: computed by dpkg-shlibdeps (dpkg-dev) from the libraries the binary links, so it
# names exactly the Debian runtime packages (libuv1, libc-ares2, libssl3, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# the analysis module is Python; a local resolver is how real scans run (docs/operating.md)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, unbound")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client")
include(CPack)
