# cmake -DSOURCE=<case.cpp> -DFLAGS_FILE=<case.flags.cmake> -DLOG=<file> -P check_compile_fail.cmake
#
# One compile-fail test (see CMakeLists.txt beside this script): SOURCE must compile as is and must
# fail with -DTYPENET_COMPILE_FAIL, with exactly one line containing "error:", a static assertion
# matching every "// expect-error: <regex>" of SOURCE, and every "// expect-trait: <regex>" matching
# some line of the output. Compiler output goes to LOG; on failure it is also printed.
cmake_minimum_required(VERSION 3.20)

foreach(var SOURCE FLAGS_FILE LOG)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_compile_fail.cmake: -D${var}=... is required")
    endif()
endforeach()
include(${FLAGS_FILE})

# The compile command of the control target, rebuilt from its evaluated properties.
separate_arguments(cxx_flags UNIX_COMMAND "${cxx_flags}")
set(args ${std_flag} ${cxx_flags})
foreach(dir IN LISTS include_dirs)
    if(dir AND NOT dir IN_LIST implicit_include_dirs)
        list(APPEND args "-I${dir}")
    endif()
endforeach()
foreach(def IN LISTS definitions)
    list(APPEND args "-D${def}")
endforeach()
list(APPEND args ${options})
# Plain, English, uncoloured diagnostics whatever the user's flags and locale; no object file, so
# parallel tests never share an output.
list(APPEND args -fdiagnostics-color=never -fsyntax-only)
set(env ${CMAKE_COMMAND} -E env LC_ALL=C LANG=C LANGUAGE=)

# 1. Positive control: the file as is must compile with these flags (else the flags are wrong, or
#    the case is broken; either way the failure below would prove nothing).
execute_process(COMMAND ${env} ${compiler} ${args} ${SOURCE}
                RESULT_VARIABLE control_rc OUTPUT_VARIABLE control_out ERROR_VARIABLE control_out)
if(NOT control_rc EQUAL 0)
    message(FATAL_ERROR "positive control: ${SOURCE} does not compile without "
                        "TYPENET_COMPILE_FAIL (exit ${control_rc}):\n${control_out}")
endif()

# 2. The mistake.
execute_process(COMMAND ${env} ${compiler} ${args} -DTYPENET_COMPILE_FAIL ${SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(WRITE ${LOG} "${out}")

# Lines as a CMake list: ';', '[' and ']' (gcc's "[with T = ...; ...]") would break list
# splitting, and none of them occurs in a pattern.
string(REGEX REPLACE "[][;]" "_" text "${out}")
string(REPLACE "\n" ";" lines "${text}")
string(REGEX MATCHALL "\n" newlines "${out}")
list(LENGTH newlines line_count)
set(error_lines "")
foreach(line IN LISTS lines)
    if(line MATCHES "error:")
        list(APPEND error_lines "${line}")
    endif()
endforeach()
list(LENGTH error_lines error_count)

file(STRINGS ${SOURCE} expect_errors REGEX "^// expect-error: ")
file(STRINGS ${SOURCE} expect_traits REGEX "^// expect-trait: ")
list(TRANSFORM expect_errors REPLACE "^// expect-error: " "")
list(TRANSFORM expect_traits REPLACE "^// expect-trait: " "")
list(TRANSFORM expect_errors STRIP)
list(TRANSFORM expect_traits STRIP)

set(problems "")
if(rc EQUAL 0)
    list(APPEND problems "it compiled")
endif()
if(NOT expect_errors)
    list(APPEND problems "SOURCE has no '// expect-error: <regex>' line")
endif()
if(NOT error_count EQUAL 1)
    list(APPEND problems "${error_count} lines contain 'error:' (exactly 1 expected)")
else()
    # gcc: "error: static assertion failed: MSG"; clang 14: "error: static_assert failed due to
    # requirement '...' \"MSG\""; clang 15+: "error: static assertion failed due to requirement
    # '...': MSG".
    if(NOT error_lines MATCHES "error: static.assert(ion)? failed")
        list(APPEND problems "the error is not a static assertion")
    endif()
    foreach(re IN LISTS expect_errors)
        if(NOT error_lines MATCHES "${re}")
            list(APPEND problems "the error line does not match '${re}'")
        endif()
    endforeach()
endif()
foreach(re IN LISTS expect_traits)
    if(NOT text MATCHES "${re}")
        list(APPEND problems "no line matches '${re}'")
    endif()
endforeach()

get_filename_component(case ${SOURCE} NAME_WE)
if(problems)
    list(JOIN problems "\n  " problems)
    message(FATAL_ERROR "compile_fail.${case}:\n  ${problems}\ncompiler output "
                        "(${line_count} lines, exit ${rc}):\n${out}")
endif()
message("compile_fail.${case}: rejected with 1 error line, ${line_count} output lines (${LOG})")
