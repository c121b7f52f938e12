# Installation and the Debian package (issue 21): `cmake --install` puts Attune where a desktop finds
# it, and `cpack -G DEB` (installer/setup.sh --package) wraps the same files as attune_<version>_amd64.deb.
#   bin/attune, bin/attune-cli
#   share/applications/io.github.attune.Attune.desktop      the menu entry; opens .attune files
#   share/mime/packages/io.github.attune.Attune.xml         the application/x-attune-project type
#   share/icons/hicolor/{scalable,256x256,64x64}/apps/       the icon
#   share/metainfo/io.github.attune.Attune.metainfo.xml     AppStream (software centres)
#   share/man/man1/attune.1.gz, attune-cli.1.gz
# Debian's triggers (shared-mime-info, desktop-file-utils, hicolor-icon-theme, man-db) refresh their
# caches when the package adds or removes these files: no maintainer scripts.
include(GNUInstallDirs)

set(ATTUNE_APP_ID io.github.attune.Attune)
set(package_dir ${PROJECT_SOURCE_DIR}/installer/package)

install(TARGETS attune-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(ATTUNE_WITH_GUI)
  install(TARGETS attune RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${package_dir}/${ATTUNE_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${package_dir}/${ATTUNE_APP_ID}.mime.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages
          RENAME ${ATTUNE_APP_ID}.xml)
  install(FILES ${package_dir}/${ATTUNE_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/attune.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${ATTUNE_APP_ID}.svg)
  foreach(size 256 64)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/attune-${size}.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps RENAME ${ATTUNE_APP_ID}.png)
  endforeach()
endif()

# Man pages, compressed as Debian keeps them (gzip -n: no time stamp, so the package is reproducible).
find_program(ATTUNE_GZIP gzip)
set(man_pages attune-cli.1)
if(ATTUNE_WITH_GUI)
  list(APPEND man_pages attune.1)
endif()
foreach(page IN LISTS man_pages)
  set(compressed ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${compressed}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
                     COMMAND ${ATTUNE_GZIP} -9 -n -c ${package_dir}/${page} > ${compressed}
                     DEPENDS ${package_dir}/${page} VERBATIM)
  list(APPEND man_outputs ${compressed})
  install(FILES ${compressed} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endforeach()
add_custom_target(attune_man_pages ALL DEPENDS ${man_outputs})

set(CPACK_PACKAGE_NAME attune)
set(CPACK_PACKAGE_VENDOR "Attune")
set(CPACK_PACKAGE_CONTACT "Attune developers <attune@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fine-tune pre-trained image and text classifiers on your own data")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "Attune lets people who know their field but do not program teach a pre-trained model (a CNN, a "
       "ViT, BERT or word vectors) their own classes of images or texts: label, train with live curves, "
       "see how good the model is, try it, and export it. attune-cli runs the same projects headless.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY attune)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # attune_<version>_<architecture>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/attune/attune")
# The shared libraries the programs link (Qt, LibTorch, QCustomPlot, OpenBLAS, ...) are found by
# dpkg-shlibdeps from the binaries themselves. What they load at run time without linking it is
# listed by hand: Qt's platform plugins (the window on X11 and Wayland, and offscreen).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
