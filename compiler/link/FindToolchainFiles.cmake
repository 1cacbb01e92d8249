# Where this system keeps the C runtime start files, the dynamic linker and
# the library directories that a C++ compiler driver passes to the linker.
# Kiln links executables with lld in-process, so it has to pass the same
# things itself. Nothing here is hard-coded to one machine's layout: every
# path is asked of ${CMAKE_CXX_COMPILER} at configure time
# (`-print-file-name=`, and `-###` for the link line it would run), then
# written to ${CMAKE_CURRENT_BINARY_DIR}/link/kiln_toolchain_files.h.
#
# Sets KILN_TOOLCHAIN_HAVE_DYNAMIC and KILN_TOOLCHAIN_HAVE_STATIC (ON/OFF).

set(_kiln_tc_out_dir ${CMAKE_CURRENT_BINARY_DIR}/link)

# Asks the compiler for one file; sets ${var} to its real path, or "" when the
# compiler does not know it (it then echoes the bare name back).
function(_kiln_tc_find_file var name)
  execute_process(
    COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${name}
    OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET RESULT_VARIABLE rc)
  set(result "")
  if(rc EQUAL 0 AND IS_ABSOLUTE "${path}" AND EXISTS "${path}")
    get_filename_component(result "${path}" REALPATH)
  endif()
  set(${var} "${result}" PARENT_SCOPE)
endfunction()

# The link line the compiler driver would run for a trivial program, with
# LIBRARY_PATH unset so that one shell's environment is not baked in.
function(_kiln_tc_link_line var)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=LIBRARY_PATH
            ${CMAKE_CXX_COMPILER} ${ARGN} "-###" -x c++ /dev/null -o /dev/null
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(${var} "${out}${err}" PARENT_SCOPE)
endfunction()

foreach(_kiln_tc_name
    Scrt1.o crt1.o crti.o crtn.o crtbeginS.o crtendS.o crtbeginT.o crtend.o
    libc.a libm.a libstdc++.a libgcc.a libgcc_eh.a libgcc_s.so libc.so)
  string(MAKE_C_IDENTIFIER "${_kiln_tc_name}" _kiln_tc_id)
  string(TOUPPER "${_kiln_tc_id}" _kiln_tc_id)
  _kiln_tc_find_file(KILN_TC_${_kiln_tc_id} ${_kiln_tc_name})
endforeach()

_kiln_tc_link_line(_kiln_tc_line)

# Emulation and dynamic linker, as the driver passes them ("-m elf_x86_64",
# "-dynamic-linker /lib64/ld-linux-x86-64.so.2"); tokens may be quoted.
set(KILN_TC_EMULATION "")
if(_kiln_tc_line MATCHES "[ \"]-m\"?[ ]+\"?([A-Za-z0-9_]+)")
  set(KILN_TC_EMULATION "${CMAKE_MATCH_1}")
endif()
set(KILN_TC_DYNAMIC_LINKER "")
if(_kiln_tc_line MATCHES "-dynamic-linker\"?[ ]+\"?([^ \"\n]+)")
  set(KILN_TC_DYNAMIC_LINKER "${CMAKE_MATCH_1}")
endif()

# Library search directories: the driver's -L list, resolved and deduplicated,
# plus the directories of the files found above (so libgcc and libc are
# always found even if the -### output changes shape).
set(_kiln_tc_dirs "")
string(REGEX MATCHALL "[ \"]-L[^ \"\n]+" _kiln_tc_lflags "${_kiln_tc_line}")
foreach(_kiln_tc_flag ${_kiln_tc_lflags})
  string(REGEX REPLACE "^[ \"]-L" "" _kiln_tc_dir "${_kiln_tc_flag}")
  list(APPEND _kiln_tc_dirs "${_kiln_tc_dir}")
endforeach()
foreach(_kiln_tc_file KILN_TC_LIBGCC_A KILN_TC_LIBC_SO KILN_TC_LIBC_A KILN_TC_LIBSTDC___A)
  if(${_kiln_tc_file})
    get_filename_component(_kiln_tc_dir "${${_kiln_tc_file}}" DIRECTORY)
    list(APPEND _kiln_tc_dirs "${_kiln_tc_dir}")
  endif()
endforeach()
set(KILN_TC_LIBRARY_DIRS "")
foreach(_kiln_tc_dir ${_kiln_tc_dirs})
  if(IS_DIRECTORY "${_kiln_tc_dir}")
    get_filename_component(_kiln_tc_dir "${_kiln_tc_dir}" REALPATH)
    list(FIND KILN_TC_LIBRARY_DIRS "${_kiln_tc_dir}" _kiln_tc_index)
    if(_kiln_tc_index EQUAL -1)
      list(APPEND KILN_TC_LIBRARY_DIRS "${_kiln_tc_dir}")
    endif()
  endif()
endforeach()

# What each kind of executable needs.
set(KILN_TOOLCHAIN_HAVE_DYNAMIC ON)
foreach(_kiln_tc_var KILN_TC_SCRT1_O KILN_TC_CRTI_O KILN_TC_CRTN_O KILN_TC_CRTBEGINS_O
        KILN_TC_CRTENDS_O KILN_TC_EMULATION KILN_TC_DYNAMIC_LINKER)
  if(NOT ${_kiln_tc_var})
    set(KILN_TOOLCHAIN_HAVE_DYNAMIC OFF)
    message(WARNING "Kiln: ${CMAKE_CXX_COMPILER} did not tell ${_kiln_tc_var}; "
                    "`kiln build` will not be able to link executables")
  endif()
endforeach()
set(KILN_TOOLCHAIN_HAVE_STATIC ${KILN_TOOLCHAIN_HAVE_DYNAMIC})
foreach(_kiln_tc_var KILN_TC_CRT1_O KILN_TC_CRTBEGINT_O KILN_TC_CRTEND_O KILN_TC_LIBC_A
        KILN_TC_LIBM_A KILN_TC_LIBSTDC___A KILN_TC_LIBGCC_EH_A)
  if(NOT ${_kiln_tc_var})
    set(KILN_TOOLCHAIN_HAVE_STATIC OFF)
  endif()
endforeach()

# C string literals for the generated header.
function(_kiln_tc_c_string var value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${var} "\"${value}\"" PARENT_SCOPE)
endfunction()
foreach(_kiln_tc_var KILN_TC_SCRT1_O KILN_TC_CRT1_O KILN_TC_CRTI_O KILN_TC_CRTN_O
        KILN_TC_CRTBEGINS_O KILN_TC_CRTENDS_O KILN_TC_CRTBEGINT_O KILN_TC_CRTEND_O
        KILN_TC_EMULATION KILN_TC_DYNAMIC_LINKER)
  _kiln_tc_c_string(${_kiln_tc_var}_STR "${${_kiln_tc_var}}")
endforeach()
set(KILN_TC_LIBRARY_DIRS_STR "")
foreach(_kiln_tc_dir ${KILN_TC_LIBRARY_DIRS})
  _kiln_tc_c_string(_kiln_tc_quoted "${_kiln_tc_dir}")
  string(APPEND KILN_TC_LIBRARY_DIRS_STR "  ${_kiln_tc_quoted},\n")
endforeach()
if(KILN_TOOLCHAIN_HAVE_DYNAMIC)
  set(KILN_TC_HAVE_DYNAMIC_INT 1)
else()
  set(KILN_TC_HAVE_DYNAMIC_INT 0)
endif()
if(KILN_TOOLCHAIN_HAVE_STATIC)
  set(KILN_TC_HAVE_STATIC_INT 1)
else()
  set(KILN_TC_HAVE_STATIC_INT 0)
endif()

file(MAKE_DIRECTORY ${_kiln_tc_out_dir})
configure_file(${CMAKE_CURRENT_LIST_DIR}/kiln_toolchain_files.h.in
               ${_kiln_tc_out_dir}/kiln_toolchain_files.h @ONLY)

message(STATUS "Kiln: C runtime files from ${CMAKE_CXX_COMPILER}: "
               "dynamic executables ${KILN_TOOLCHAIN_HAVE_DYNAMIC}, static ${KILN_TOOLCHAIN_HAVE_STATIC}, "
               "dynamic linker ${KILN_TC_DYNAMIC_LINKER}")
