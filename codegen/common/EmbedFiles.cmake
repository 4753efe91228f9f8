# Writes OUTPUT, a C++ fragment with one {"relative/path", R"(contents)"}
# entry per file in FILES (a |-separated list relative to BASE_DIR). ternc copies the
# runtime into every output folder from these entries.
set(fragment "")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(file IN LISTS FILES)
  file(READ "${BASE_DIR}/${file}" contents)
  string(APPEND fragment "{\"${file}\", R\"tern_embedded(${contents})tern_embedded\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "${fragment}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
