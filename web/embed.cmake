# SPDX-License-Identifier: BSD-2-Clause
# Turns the page sources (web/view.html, view.css, view.js, view_srv.js) into a C file
# (OUT) holding them as NUL-terminated byte arrays, so the binary ships the
# page and nothing is fetched at run time. Run by CMake at build time:
#   cmake -DSRC=web -DOUT=view_assets.c -P web/embed.cmake
# It refuses a script or style sheet that would close its own element early.
set(out "/* SPDX-License-Identifier: BSD-2-Clause */\n")
string(APPEND out "/* Generated from web/ by web/embed.cmake: do not edit. */\n")
string(APPEND out "#include \"view_assets.h\"\n\n")
foreach(pair "html;view.html;wire_view_page" "css;view.css;wire_view_css" "js;view.js;wire_view_js" "srvjs;view_srv.js;wire_view_srv_js")
  list(GET pair 1 file)
  list(GET pair 2 sym)
  file(READ "${SRC}/${file}" text)
  string(TOLOWER "${text}" lower)
  if(NOT file STREQUAL "view.html")
    string(FIND "${lower}" "</script" a)
    string(FIND "${lower}" "</style" b)
    if(NOT a EQUAL -1 OR NOT b EQUAL -1)
      message(FATAL_ERROR "${file} must not contain </script or </style")
    endif()
  endif()
  file(READ "${SRC}/${file}" hex HEX)
  string(LENGTH "${hex}" hlen)
  math(EXPR len "${hlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
  string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
  string(APPEND out "const unsigned char ${sym}[${len} + 1] = {\n${body}0};\n")
  string(APPEND out "const unsigned long ${sym}_len = ${len};\n\n")
endforeach()
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
